"""A negative rating from SMS to rectification in Chromium: a person opens the rating link from
the SMS without signing in and gives 不满意 with a reason and what happened; the unit's reviewer
verifies and rectifies it; the bureau's supervisor sees it. axe-core on each page."""

import re

import pytest
from playwright.sync_api import expect

from onething.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]


@pytest.fixture
def sms_link():
    """A concluded case of 区市场监管局 and the rating SMS the platform sent as it concluded:
    the link in it."""
    from django.utils import timezone

    from onething.cases.tests.factories import ANNUAL_REPORT, act, only_case, submit
    from onething.catalog.loader import load_catalog
    from onething.core.models import OutboxMessage, User

    load_catalog()
    citizen, reviewer = (User.objects.get(username=u) for u in ("citizen", "reviewer"))
    case = act(only_case(submit(citizen, code=ANNUAL_REPORT)), "accept", reviewer,
               timezone.localdate())  # fmt: skip
    sms = OutboxMessage.objects.get(
        user=citizen, channel="sms", subject=f"请评价办件 {case.number}"
    )
    return re.search(r"/rate/[^/\s]+/", sms.body).group(0)


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def test_a_negative_sms_rating_is_verified_and_rectified(page, live_server, sms_link):
    # The person, not signed in, opens the link from the SMS.
    page.goto(f"{live_server.url}{sms_link}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("政务服务评价")
    assert_accessible(page, "rating link")
    page.get_by_label("不满意", exact=True).check()
    expect(page.get_by_label("办事效率低")).to_be_visible()
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("alert")).to_contain_text("差评须选择原因并填写具体情况")
    assert_accessible(page, "rating link with errors")
    page.get_by_label("办事效率低").check()
    page.get_by_label("具体情况").fill("窗口让我跑了三次才办成")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("感谢您的评价")
    assert_accessible(page, "thanks")
    page.goto(f"{live_server.url}{sms_link}")
    expect(page.get_by_role("heading", level=1)).to_have_text("该评价链接已使用")

    # The unit's reviewer verifies and rectifies it.
    sign_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/ratings/")
    assert_accessible(page, "workbench")
    page.get_by_role("link", name=re.compile("不满意：窗口让我跑了三次")).click()
    expect(page.locator(".badge.state")).to_have_text("待核实")
    from onething.core.models import User

    citizen = User.objects.get(username="citizen")
    assert citizen.phone not in page.content() and citizen.display_name not in page.content()
    assert_accessible(page, "handling: verify")
    form = page.locator("form", has=page.get_by_role("heading", name="登记核实情况"))
    form.get_by_label("属实", exact=True).check()
    form.get_by_label("核实情况").fill("经核实，材料一次性告知不到位")
    form.get_by_role("button", name="登记核实情况").click()
    expect(page.locator(".badge.state")).to_have_text("整改中")
    assert_accessible(page, "handling: rectify")
    form = page.locator("form", has=page.get_by_role("heading", name="登记整改或解释"))
    form.get_by_label("已整改", exact=True).check()
    form.get_by_label("整改或解释内容").fill("已对窗口人员培训，并修订一次性告知单")
    form.get_by_role("button", name="登记整改或解释").click()
    expect(page.locator(".badge.state")).to_have_text("待回访")
    expect(page.get_by_role("heading", name="回访评价人")).to_be_visible()
    assert_accessible(page, "handling: follow up")
    sign_out(page)

    # The bureau sees it among the district's negative ratings.
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/ratings/")
    assert_accessible(page, "bureau workbench")
    page.get_by_role("link", name=re.compile("不满意：窗口让我跑了三次")).click()
    expect(page.locator("main")).to_contain_text("已对窗口人员培训")
    assert_accessible(page, "bureau: handling")
    page.goto(f"{live_server.url}/ratings/appeals/")
    assert_accessible(page, "bureau: appeals")
    page.goto(f"{live_server.url}/hotline/")
    assert_accessible(page, "bureau: hotline desk")
