"""Card pages, the cards API and the monthly bulletin: the bureau previews, issues and
publishes; a unit reads and answers its own cards; the bulletin PDF names the units and their
card counts."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import timezone

from onething.core.errors import Conflict, NotAllowed, ServiceError
from onething.core.models import AuditEntry
from onething.supervision import bulletins, cards
from onething.supervision.models import Bulletin, Card

from .card_factories import AFTER_OCTOBER, OCTOBER, make_case, make_negative, template_case

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def october(users):
    """SCJG: 2 cases past the promised limit; GA: 1 past the statutory one; 高塘岭街道: 1 negative
    rating verified late."""
    template = template_case(users)
    for _ in range(2):
        make_case(template, department="SCJG", accepted_on=dt.date(2026, 10, 12),
                  decided_on=dt.date(2026, 10, 16))  # fmt: skip
    make_case(template, department="GA", accepted_on=dt.date(2026, 10, 12), statutory=5)
    make_negative(
        town="高塘岭街道", opened_on=dt.date(2026, 10, 12), verified_on=dt.date(2026, 10, 14)
    )


def issued(users):
    return cards.issue_month(OCTOBER, actor=users["supervisor"], today=AFTER_OCTOBER)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- Pages --------------------------------------------------------------------------------------


def test_the_bureau_previews_issues_and_publishes_from_the_cards_page(client, users, october):
    client.force_login(users["supervisor"])
    page = client.get("/supervision/cards/?month=2026-10").content.decode()
    assert "按当前数据预览（4 张）" in page and "已签发（0 张）" in page
    assert "签发2026年10月红黄牌" in page and "区市场监管局" in page and "高塘岭街道" in page
    assert Card.objects.count() == 0  # the page only previews

    response = client.post("/supervision/cards/issue/", {"month": "2026-10"})
    assert response.status_code == 302 and Card.objects.count() == 4
    page = client.get("/supervision/cards/?month=2026-10").content.decode()
    assert "已签发（4 张）" in page and "其中 0 张尚未签发" in page
    assert "印发2026年10月通报" in page
    # Evidence: the case numbers, with links to the cases.
    late = Card.objects.get(department__code="GA", rule_code="cases_past_statutory")
    assert late.evidence[0]["ref"] in page and f"/cases/{late.evidence[0]['id']}/" in page

    client.post("/supervision/bulletins/publish/", {"month": "2026-10"})
    bulletin = Bulletin.objects.get()
    assert re.fullmatch(r"望审监〔\d{4}〕\d+号", bulletin.number)
    page = client.get("/supervision/cards/?month=2026-10").content.decode()
    assert "/supervision/bulletins/2026-10.pdf" in page and bulletin.number in page


def test_the_current_month_can_only_be_previewed(client, users):
    client.force_login(users["supervisor"])
    month = timezone.localdate().strftime("%Y-%m")
    page = client.get(f"/supervision/cards/?month={month}").content.decode()
    assert "尚未结束" in page and "签发20" not in page
    client.post("/supervision/cards/issue/", {"month": month})
    assert Card.objects.count() == 0


def test_a_unit_reads_and_answers_its_cards_on_its_page(client, users, october):
    issued(users)
    client.force_login(users["reviewer"])  # 区市场监管局
    page = client.get("/supervision/cards/mine/").content.decode()
    own = Card.objects.get(department__code="SCJG")
    assert "办件超过承诺时限" in page and own.evidence[0]["ref"] in page
    other = Card.objects.get(department__code="GA", rule_code="cases_past_statutory")
    assert other.evidence[0]["ref"] not in page
    response = client.post(
        f"/supervision/cards/{own.pk}/respond/", {"response": "已整改，加派人手"}
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert own.response == "已整改，加派人手" and own.responded_by == users["reviewer"]
    assert "已整改，加派人手" in client.get("/supervision/cards/mine/").content.decode()
    assert (
        client.post(f"/supervision/cards/{other.pk}/respond/", {"response": "x"}).status_code == 404
    )

    client.force_login(users["town-clerk"])  # 高塘岭街道
    page = client.get("/supervision/cards/mine/").content.decode()
    titles = re.findall(r'<h2 class="card-title">.*?</h2>', page, re.S)
    assert len(titles) == 1 and "差评超期未核实" in titles[0]
    assert own.evidence[0]["ref"] not in page


def test_who_may_open_the_card_pages(client, users, october):
    issued(users)
    expected = {
        "/supervision/cards/": {"supervisor"},
        "/supervision/cards/mine/": {"reviewer", "dept-admin", "town-clerk", "clerk"},
        "/supervision/bulletins/": {"supervisor", "reviewer", "dept-admin", "town-clerk", "admin"},
    }
    for url, allowed in expected.items():
        for username in ("supervisor", "reviewer", "dept-admin", "town-clerk", "citizen", "admin"):
            client.force_login(users[username])
            status = client.get(url).status_code
            assert (status == 200) == (username in allowed), (url, username, status)


# --- API ----------------------------------------------------------------------------------------


def test_cards_api_lists_the_callers_cards_and_takes_answers(client, users, october):
    issued(users)
    client.force_login(users["supervisor"])
    body = client.get("/api/v1/cards?month=2026-10").json()
    assert len(body["results"]) == 4 and body["next_offset"] is None
    statutory = next(c for c in body["results"] if c["rule_code"] == "cases_past_statutory")
    assert statutory["unit"] == {"kind": "department", "code": "GA", "name": "区公安分局"}
    assert statutory["color"] == "red" and statutory["evidence"][0]["due"] == "2026-10-19"
    assert client.get("/api/v1/cards?month=2026-09").json()["results"] == []
    bad = client.get("/api/v1/cards?month=october")
    assert bad.status_code == 422 and "month" in bad.json()["error"]["fields"]

    client.force_login(users["dept-admin"])
    own = client.get("/api/v1/cards").json()["results"]
    assert {c["unit"]["code"] for c in own} == {"SCJG"}
    answer = client.post(
        f"/api/v1/cards/{own[0]['id']}/respond",
        {"response": "已约谈经办人"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["response"] == "已约谈经办人"
    assert answer.json()["responded_by"] == str(users["dept-admin"])
    other = Card.objects.get(department__code="GA", rule_code="cases_past_statutory")
    refused = client.post(
        f"/api/v1/cards/{other.pk}/respond", {"response": "x"}, content_type="application/json"
    )
    assert refused.status_code == 404
    empty = client.post(
        f"/api/v1/cards/{own[0]['id']}/respond", {"response": " "}, content_type="application/json"
    )
    assert empty.status_code == 422 and empty.json()["error"]["fields"] == {"response": "不能为空"}

    client.force_login(users["supervisor"])
    bureau = client.post(
        f"/api/v1/cards/{other.pk}/respond", {"response": "x"}, content_type="application/json"
    )
    assert bureau.status_code == 403
    client.logout()
    assert client.get("/api/v1/cards").status_code == 401


# --- The bulletin -------------------------------------------------------------------------------


def test_bulletin_pdf_names_the_units_and_their_card_counts(client, users, october):
    issued(users)
    bulletin = bulletins.publish_bulletin(
        month=OCTOBER, actor=users["supervisor"], today=AFTER_OCTOBER
    )
    assert AuditEntry.objects.filter(action="supervision.bulletin.publish").count() == 1
    client.force_login(users["town-clerk"])  # a published document: every staff member reads it
    response = client.get("/supervision/bulletins/2026-10.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    text = squash("".join(page.extract_text() for page in reader.pages))
    assert bulletin.number in text
    assert "关于2026年10月政务服务“红黄牌”考核情况的通报" in text
    assert "长沙市望城区行政审批服务局" in text
    assert "共亮红牌1张、黄牌3张" in text and "3个单位被亮牌" in text
    # One row per carded unit: name, red count, yellow count.
    assert "区市场监管局01" in text
    assert "区公安分局11" in text
    assert "高塘岭街道01" in text
    assert "电子印章（示意）" in text
    assert "attachment" not in response["Content-Disposition"]
    client.force_login(users["citizen"])
    assert client.get("/supervision/bulletins/2026-10.pdf").status_code == 403


def test_a_bulletin_is_published_once_after_the_cards_by_the_bureau(users, october):
    with pytest.raises(ServiceError, match="请先签发"):
        bulletins.publish_bulletin(month=OCTOBER, actor=users["supervisor"], today=AFTER_OCTOBER)
    issued(users)
    with pytest.raises(NotAllowed):
        bulletins.publish_bulletin(month=OCTOBER, actor=users["dept-admin"], today=AFTER_OCTOBER)
    first = bulletins.publish_bulletin(
        month=OCTOBER, actor=users["supervisor"], today=AFTER_OCTOBER
    )
    with pytest.raises(Conflict):
        bulletins.publish_bulletin(month=OCTOBER, actor=users["supervisor"], today=AFTER_OCTOBER)
    assert Bulletin.objects.get() == first
    assert first.context["totals"] == {"red": 1, "yellow": 3, "units_carded": 3, "units": 46}
