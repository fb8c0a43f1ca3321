"""The applying, following and handling pages, driven through the Django test client."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from onething.cases.lifecycle_doc import DOC, render
from onething.cases.models import Application

pytestmark = pytest.mark.django_db

BIRTH = (
    "parents_local=yes&parents_married=yes&by_agent=no&cert_status=ok&want_insurance=yes"
    "&want_card=no&mother_insured=no"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _fill(page: str) -> dict:
    """Answers for every input of the form, as a person would type them."""
    data = {}
    inputs = re.findall(
        r'<input id="(\w+)" name="\1"\s+type="(text|tel|date)"\s*(inputmode="\w+")?[^>]*?'
        r'value="([^"]*)"',
        page,
    )
    for name, kind, mode, value in inputs:
        if value:
            data[name] = value
        elif kind == "date":
            data[name] = "2026-11-20"
        elif kind == "tel":
            data[name] = "13800138000"
        elif "decimal" in mode:
            data[name] = "3.2"
        else:
            data[name] = "测试内容"
    return data


@pytest.fixture
def citizen_client(client, users):
    client.force_login(users["citizen"])
    return client


def test_lifecycle_doc_is_generated_from_the_table():
    assert DOC.read_text(encoding="utf-8") == render(), "run manage.py cases_diagram"


def test_bundle_result_links_to_the_application_form(citizen_client):
    page = citizen_client.get(f"{reverse('bundles:result', args=['birth'])}?{BIRTH}")
    assert reverse("cases:apply_bundle", args=["birth"]) in page.content.decode()


def test_apply_form_shows_prefilled_sources_and_merged_materials(citizen_client, users):
    page = citizen_client.get(f"{reverse('cases:apply_bundle', args=['birth'])}?{BIRTH}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "来源：人口库" in text
    assert text.count('name="child_name"') == 1  # asked once for three items
    assert "电子证照获取，免提交" in text


def test_a_submission_with_errors_lists_each_and_keeps_nothing(citizen_client):
    url = f"{reverse('cases:apply_bundle', args=['birth'])}?{BIRTH}"
    before = Application.objects.count()
    page = citizen_client.post(url, {"submission_token": "t-err", "delivery_method": "electronic"})
    assert page.status_code == 422
    text = page.content.decode()
    assert "请修改以下" in text and "请填写新生儿姓名" in text
    assert Application.objects.count() == before


def _submit_birth(client) -> Application:
    url = f"{reverse('cases:apply_bundle', args=['birth'])}?{BIRTH}"
    page = client.get(url).content.decode()
    data = _fill(page)
    data.update(
        {"submission_token": re.search(r'name="submission_token" value="(\w+)"', page)[1],
         "delivery_method": "electronic", "child_sex": "male", "guardian_relation": "parent",
         "settle_with": "father", "child_birth_date": "2026-11-20"}
    )  # fmt: skip
    for field in re.findall(r'id="(\w+)" name="\1" value="yes"', page):
        data[field] = "yes"
    for key in ("father_id_number", "mother_id_number"):
        data[key] = "11010519491231002X"
    for index in re.findall(r'name="material-(\d+)"', page):
        data[f"material-{index}"] = SimpleUploadedFile(f"m{index}.pdf", PDF)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    return Application.objects.latest("id")


def test_apply_follow_and_handle_through_the_pages(client, users):
    client.force_login(users["citizen"])
    application = _submit_birth(client)
    assert application.cases.count() == 3
    page = client.get(reverse("cases:my_application", args=[application.pk])).content.decode()
    assert "待预审" in page and application.number in page

    case = application.cases.get(department__code="GA")
    client.force_login(users["police-reviewer"])
    queue = client.get(reverse("cases:workbench")).content.decode()
    assert case.number in queue
    assert application.cases.get(department__code="WJ").number not in queue
    detail = client.get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "受理" in detail and "一次性告知补正" in detail
    client.post(
        reverse("cases:act", args=[case.pk, "request-correction"]),
        {"version": case.version, "problems": "结婚证：照片不清晰"},
    )
    case.refresh_from_db()
    assert case.state == "correction"

    client.force_login(users["citizen"])
    page = client.get(reverse("cases:my_application", args=[application.pk])).content.decode()
    assert "照片不清晰" in page
    client.post(
        reverse("cases:resubmit", args=[case.pk]),
        {"version": case.version, "fix-0": SimpleUploadedFile("结婚证.pdf", PDF)},
    )
    case.refresh_from_db()
    assert case.state == "submitted"
    notice = case.notices.get(kind="correction")
    pdf = client.get(reverse("cases:notice", args=[notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    other = users["enterprise"]
    client.force_login(other)
    assert client.get(reverse("cases:notice", args=[notice.pk])).status_code == 404
