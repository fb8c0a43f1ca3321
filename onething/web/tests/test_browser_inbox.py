"""The inbox and the local rules page in Debian's Chromium, audited with axe-core (WCAG 2.2 AA)."""

import re

import pytest
from playwright.sync_api import expect

from onething.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]


def test_a_citizen_opens_a_message_and_it_is_marked_read(page, live_server, users):
    from onething.core.notifications import notify

    message = notify(
        users["citizen"],
        title="您的申请已受理",
        body="受理编号 WC2026-000321，请留意办理进度。",
        link="/my/",
    )
    sign_in(page, live_server, "citizen")
    expect(page.get_by_role("link", name="消息 1 条未读")).to_be_visible()
    assert_accessible(page, "my page with a message")
    page.get_by_role("link", name=re.compile("^消息")).click()
    expect(page).to_have_url(f"{live_server.url}/my/inbox/")
    item = page.locator(f"#message-{message.pk}")
    expect(item.get_by_role("heading", level=2)).to_have_text("未读 您的申请已受理")
    assert_accessible(page, "inbox, unread")

    item.get_by_role("link", name=re.compile("查看详情")).click()
    expect(page).to_have_url(f"{live_server.url}/my/")
    expect(page.get_by_role("link", name=re.compile("条未读"))).to_have_count(0)
    page.goto(f"{live_server.url}/my/inbox/")
    expect(item.get_by_role("heading", level=2)).to_have_text("您的申请已受理")
    expect(item).to_contain_text("已读")
    expect(page.locator(".badge.unread")).to_have_count(0)
    assert_accessible(page, "inbox, read")


def test_the_supervisor_changes_a_rule_with_an_explained_error_first(page, live_server):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/settings/")
    assert_accessible(page, "settings page")
    section = page.locator("#ratings-rectify_days")
    section.locator("details.change > summary").click()  # folded until asked for
    form = section.locator("form")
    form.get_by_label("新取值（工作日）").fill("99")
    form.get_by_label("依据").fill("区行政审批服务局2026年第2号通知")
    form.get_by_role("button", name="保存为新版本").click()
    form = page.locator("#ratings-rectify_days form")
    value = form.get_by_label("新取值（工作日）")
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(value).to_have_accessible_description(re.compile("超出范围"))
    assert_accessible(page, "settings page, error")
    value.fill("8")
    form.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_role("status")).to_contain_text("已保存“差评整改时限（工作日）”第1版")
    expect(page.locator("#ratings-rectify_days dl")).to_contain_text("8 个工作日")
    assert_accessible(page, "settings page, saved")
