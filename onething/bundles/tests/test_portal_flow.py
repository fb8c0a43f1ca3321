"""The bundle portal flow: start, one question per page, check answers, a shareable result."""

import pytest

from onething.bundles.models import Bundle, BundleVersion, GuidanceSession
from onething.bundles.publishing import load_bundles
from onething.core.models import AuditEntry

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def bundles(db):
    load_bundles()
    return {b.slug: b for b in Bundle.objects.all()}


def answer(client, slug, key, *values, change=False):
    url = f"/bundles/{slug}/questions/{key}/" + ("?change=1" if change else "")
    return client.post(url, {"answer": list(values)})


def test_loading_publishes_each_bundle_once(bundles):
    assert len(bundles) >= 14
    assert BundleVersion.objects.filter(bundle=bundles["birth"]).count() == 1
    assert load_bundles() == 0
    version = BundleVersion.objects.filter(bundle=bundles["birth"]).get()
    with pytest.raises(PermissionError):
        version.delete()
    with pytest.raises(PermissionError):
        BundleVersion.objects.filter(pk=version.pk).update(note="改")
    assert AuditEntry.objects.filter(action="bundles.bundle.publish").count() >= 14


def test_a_person_goes_from_start_to_result_and_back_to_change_an_answer(client, bundles):
    start = client.get("/bundles/birth/")
    assert "出生一件事" in start.content.decode() and "开始" in start.content.decode()
    first = client.get("/bundles/birth/questions/parents_local/")
    assert first.status_code == 200 and "返回" in first.content.decode()
    response = answer(client, "birth", "parents_local", "yes")
    assert response.status_code == 302
    # Follow the questions the server asks until the check page.
    location, steps = response["Location"], 0
    while "/questions/" in location and steps < 10:
        key = location.rstrip("/").split("/")[-1]
        page = client.get(location).content.decode()
        choice = "yes" if 'value="yes"' in page else None
        if choice is None:
            import re

            choice = re.search(r'name="answer" value="([^"]+)"', page).group(1)
        location = answer(client, "birth", key, choice)["Location"]
        steps += 1
    assert location.endswith("/bundles/birth/check/")
    check = client.get(location).content.decode()
    assert "核对您的回答" in check and "?change=1" in check
    result_url = check.split('href="')[-1].split('"')[0].replace("&amp;", "&")
    result = client.get(result_url).content.decode()
    assert "出生登记" in result and "需要提交的材料" in result
    # Change the first answer: the outcome changes (no 出生登记 outside the district).
    answer(client, "birth", "parents_local", "no", change=True)
    check = client.get("/bundles/birth/check/")
    if check.status_code == 302:  # a newly relevant question is asked first
        assert "/questions/" in check["Location"]
    session = GuidanceSession.objects.filter(bundle=bundles["birth"]).latest("id")
    assert session.answers["parents_local"] is False


def test_a_bad_answer_is_explained_and_nothing_is_kept(client, bundles):
    response = client.post("/bundles/birth/questions/parents_local/", {"answer": "maybe"})
    assert response.status_code == 422
    assert "请选择“是”或“否”" in response.content.decode()
    assert "bundle:birth" not in client.session


def test_a_shared_link_shows_the_same_result_to_someone_else(client, bundles):
    from onething.bundles.loader import read_bundle_files

    example = next(b for b in read_bundle_files() if b["slug"] == "open-restaurant")["examples"][0]
    query = "&".join(
        f"{k}={'yes' if v is True else 'no' if v is False else v}"
        for k, v in example["answers"].items()
        if not isinstance(v, list)
    )
    multi = "&".join(
        f"{k}={x}" for k, v in example["answers"].items() if isinstance(v, list) for x in v
    )
    page = client.get(f"/bundles/open-restaurant/result/?{query}&{multi}").content.decode()
    for name in example["items"]:
        assert name in page


def test_a_signed_in_applicant_is_spared_what_the_registries_supply(client, users, bundles):
    query = (
        "parents_local=yes&parents_married=yes&by_agent=no&cert_status=ok"
        "&want_insurance=yes&want_card=yes&mother_insured=no"
    )
    anonymous = client.get(f"/bundles/birth/result/?{query}").content.decode()
    assert "登录后可通过电子证照或数据共享核验免交" in anonymous
    client.force_login(users["citizen"])
    signed_in = client.get(f"/bundles/birth/result/?{query}").content.decode()
    assert "无需提交（已通过电子证照或基础库核验）" in signed_in


def test_a_signed_in_applicant_resumes_where_they_left(client, users, bundles):
    client.force_login(users["citizen"])
    answer(client, "birth", "parents_local", "yes")
    client.logout()
    client.force_login(users["citizen"])
    start = client.get("/bundles/birth/").content.decode()
    assert "继续填写" in start
    assert client.session["bundle:birth"] == {"parents_local": True}


def test_the_guidance_api_answers_with_items_materials_time_and_places(client, bundles):
    response = client.post(
        "/api/v1/bundles/birth/guidance",
        {
            "answers": {
                "parents_local": True,
                "parents_married": True,
                "by_agent": False,
                "cert_status": "ok",
                "want_insurance": True,
                "want_card": False,
                "mother_insured": False,
            }
        },
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 200 and body["complete"] is True
    assert [i["name"] for i in body["items"]] == [
        "预防接种证办理",
        "出生登记（婚生子女）",
        "城乡居民基本医疗保险参保登记",
    ]
    names = [m["name"] for m in body["materials"]]
    assert len(names) == len(set(names))  # merged: each material once
    shared = [m for m in body["materials"] if len(m["needed_by"]) > 1]
    assert shared, "a material several items need is listed once, naming them"
    assert body["expected_date"] and body["where"]["places"]
    partial = client.post(
        "/api/v1/bundles/birth/guidance", {"answers": {}}, content_type="application/json"
    ).json()
    assert partial["complete"] is False and partial["next_questions"][0]["key"] == "parents_local"
    bad = client.post(
        "/api/v1/bundles/birth/guidance",
        {"answers": {"parents_local": "maybe", "nope": 1}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "answers.nope" in bad.json()["error"]["fields"]


def test_an_on_the_spot_bundle_applied_for_on_a_saturday_concludes_on_monday():
    import datetime as dt

    from onething.bundles.runner import conclusion_day
    from onething.core.services import load_calendar

    calendar = load_calendar()
    assert conclusion_day(calendar, dt.date(2026, 11, 28), 0) == dt.date(2026, 11, 30)
    assert conclusion_day(calendar, dt.date(2026, 11, 27), 0) == dt.date(2026, 11, 27)
    assert conclusion_day(calendar, dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
