"""The supervision dashboard in Chromium: a supervisor opens it, ECharts draws every chart, each
chart's table is in the accessibility tree, and the supervisor drills down from 月度层级覆盖率 to
the towns without cases. axe-core (WCAG 2.2 AA) finds nothing, in normal and big-screen mode."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from onething.core.models import Region
from onething.supervision import dashboard
from onething.web.tests.browser import assert_accessible, sign_in

from .card_factories import make_case, template_case

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]

CASE_TOWNS = ("高塘岭街道", "铜官街道", "靖港镇")


@pytest.fixture
def month_with_cases(users):
    """This month: cases in three towns (and one department); the other towns have none."""
    from onething.catalog.loader import load_catalog

    load_catalog()
    template = template_case(users)
    today = timezone.localdate()
    day = today.replace(day=1)
    for name in CASE_TOWNS:
        make_case(template, town=name, accepted_on=day, submitted_on=day, decided_on=day)
    make_case(template, department="GA", accepted_on=day, submitted_on=day)
    return today.strftime("%Y-%m")


def towns_without_cases() -> set[str]:
    today = timezone.localdate()
    month_end = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(1)
    towns = Region.objects.filter(level=Region.Level.TOWN, parent__code="430112").valid_on(
        month_end
    )
    return {t.name for t in towns} - set(CASE_TOWNS)


def test_a_supervisor_opens_the_dashboard_and_drills_down_to_towns_without_cases(
    page, live_server, month_with_cases
):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/")
    page.get_by_role("link", name="监督看板").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("政务服务监督看板")
    for name in dashboard.CHART_NAMES:
        expect(page.locator(f"#chart-{name} canvas").first).to_be_attached()
        # The table is in the accessibility tree while its toggle is closed.
        table = page.get_by_role(
            "table", name=f"{page.locator(f'#cap-{name} .panel-title').inner_text()}（数据表）"
        )
        expect(table).to_have_count(1)
    assert_accessible(page, "dashboard")
    page.get_by_text("查看数据表").first.click()
    expect(page.locator(".data-toggle[open] + .data-table table")).to_be_visible()
    assert_accessible(page, "dashboard with a table shown")

    page.get_by_role("link", name="大屏模式（1920×1080）").click()
    page.set_viewport_size({"width": 1920, "height": 1080})
    expect(page.locator("html")).to_have_class("big-screen")
    expect(page.locator("#chart-ranking canvas").first).to_be_attached()
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080  # one screen
    assert_accessible(page, "dashboard, big screen")
    page.locator(".panel-cases_by_unit summary").click()
    expect(page.locator(".panel-cases_by_unit .data-table table")).to_be_visible()
    assert_accessible(page, "dashboard, big screen, a table shown over its chart")
    page.get_by_role("link", name="返回常规模式").click()

    page.get_by_role("link", name=re_name("月度层级覆盖率")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("月度层级覆盖率")
    towns = page.get_by_role("region", name="无办件的乡镇街道")
    listed = towns.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert sorted(listed) == sorted(towns_without_cases())
    assert_accessible(page, "drill-down: towns without cases")


def re_name(text: str):
    import re

    return re.compile(re.escape(text))


def test_the_bureau_issues_last_month_and_a_unit_answers_its_card(page, live_server, users):
    from onething.catalog.loader import load_catalog

    load_catalog()
    template = template_case(users)
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    # Accepted on the month's first working day with 3 working days promised, never decided.
    accepted = last_month + dt.timedelta(days=(7 - last_month.weekday()) % 7)
    make_case(template, department="SCJG", accepted_on=accepted, submitted_on=accepted)
    month = last_month.strftime("%Y-%m")

    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/")
    page.get_by_role("link", name="红黄牌考核").click()
    page.goto(f"{live_server.url}/supervision/cards/?month={month}")
    expect(page.get_by_role("heading", name=re_name("按当前数据预览（1 张"))).to_be_visible()
    assert_accessible(page, "cards, preview")
    page.get_by_role("button", name=re_name("签发")).click()
    expect(page.locator(".message")).to_contain_text("新签发 1 张")
    page.get_by_text(re_name("1 项")).first.click()
    assert_accessible(page, "cards, issued, evidence shown")
    page.get_by_role("button", name=re_name("印发")).click()
    expect(page.locator(".message")).to_contain_text("已印发通报")
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "dept-admin")
    page.get_by_role("link", name="本单位红黄牌").click()
    expect(page.get_by_role("heading", name=re_name("办件超过承诺时限"))).to_be_visible()
    assert_accessible(page, "my cards")
    page.get_by_label(re_name("回复")).fill("已督促经办人当日办结，并每日核查临期办件。")
    page.get_by_role("button", name="提交回复").click()
    expect(page.locator(".message")).to_contain_text("回复已提交")
    expect(page.locator("blockquote")).to_have_text("已督促经办人当日办结，并每日核查临期办件。")
    page.get_by_role("link", name="历次红黄牌通报").click()
    assert_accessible(page, "bulletins")
    href = page.get_by_role("link", name=re_name("望审监")).get_attribute("href")
    pdf = page.request.get(live_server.url + href)
    assert pdf.headers["content-type"] == "application/pdf"
