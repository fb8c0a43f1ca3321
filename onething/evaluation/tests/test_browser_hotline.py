"""A 12345 ticket in Chromium, from the call to its closure: the bureau's hotline desk registers it
(a missing request is explained and nothing is registered) and dispatches it to 区市场监管局;
the department's reviewer signs for it and replies; the bureau visits the caller, records the
satisfaction and closes it. axe-core (WCAG 2.2 AA) finds nothing on each page."""

import pytest
from playwright.sync_api import expect

from onething.evaluation.models import Rating, Ticket
from onething.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def act(page, heading: str):
    return page.locator("form", has=page.get_by_role("heading", name=heading, exact=True))


def test_a_call_is_registered_dispatched_answered_visited_and_closed(page, live_server):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/hotline/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("12345热线工单")
    assert_accessible(page, "hotline desk")

    # A call without the request itself: explained, nothing registered.
    page.get_by_label("来电人姓名（选填）").fill("王小明")
    page.get_by_label("联系电话").fill("13907310001")
    page.get_by_label("咨询", exact=True).check()
    page.get_by_label("派给承办单位（选填，可稍后派单）").select_option(label="区市场监管局")
    page.get_by_role("button", name="登记工单").click()
    expect(page.locator("#intake-text-error")).to_have_text("请填写诉求内容")
    assert_accessible(page, "hotline desk with errors")
    assert not Ticket.objects.exists()

    page.get_by_label("诉求内容").fill("个体工商户年度报告在哪里填报？")
    page.get_by_role("button", name="登记工单").click()
    expect(page.locator(".badge.state")).to_have_text("已派单")
    ticket = Ticket.objects.get()
    assert ticket.department.code == "SCJG"
    assert_accessible(page, "ticket: dispatched")
    sign_out(page)

    # The department signs for it and answers; the caller's number stays masked.
    sign_in(page, live_server, "reviewer")
    page.goto(f"{live_server.url}/hotline/")
    page.get_by_role("link", name=ticket.number).click()
    assert "13907310001" not in page.content()
    act(page, "签收").get_by_role("button", name="签收").click()
    expect(page.locator(".badge.state")).to_have_text("已签收")
    reply = act(page, "答复")
    reply.get_by_role("button", name="答复").click()
    expect(act(page, "答复").locator(".error")).to_have_text("请填写答复内容")
    expect(page.get_by_role("link", name="请填写答复内容")).to_be_visible()  # the summary
    assert_accessible(page, "ticket: reply with errors")
    assert Ticket.objects.get().state == Ticket.State.SIGNED and not Ticket.objects.get().reply
    act(page, "答复").get_by_label("答复内容").fill(
        "可登录国家企业信用信息公示系统填报，或到政务大厅窗口办理。"
    )
    act(page, "答复").get_by_role("button", name="答复").click()
    expect(page.locator(".badge.state")).to_have_text("已答复")
    assert_accessible(page, "ticket: replied")
    sign_out(page)

    # The bureau's return visit rates the answer; then the ticket is closed.
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/hotline/{ticket.pk}/")
    visit = act(page, "回访")
    visit.get_by_label("回访情况").fill("来电人已按答复完成年报")
    visit.get_by_label("满意", exact=True).check()
    visit.get_by_role("button", name="回访").click()
    expect(page.locator(".badge.state")).to_have_text("已回访")
    act(page, "办结").get_by_role("button", name="办结").click()
    expect(page.locator(".badge.state")).to_have_text("已办结")
    assert_accessible(page, "ticket: closed")
    rating = Rating.objects.get(ticket=ticket)
    assert (rating.subject, rating.channel, rating.level) == ("ticket", "hotline", 4)
