"""User-facing flows in Debian's Chromium, each page audited with axe-core (WCAG 2.2 AA)."""

import re

import pytest
from playwright.sync_api import expect

from onething.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]


def test_portal_home_lists_the_district_on_desktop_and_phone(page, live_server):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("望城区政务服务")
    expect(page.locator("#departments-title + ul li")).to_have_count(30)
    expect(page.locator("#towns-title + ul li")).to_have_count(16)
    assert_accessible(page, "home, desktop")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    assert_accessible(page, "home, phone")


def test_elderly_mode_enlarges_text_and_targets_and_persists(page, live_server):
    page.goto(live_server.url)
    page.get_by_role("button", name="长辈版").click()
    expect(page.locator("html")).to_have_class(re.compile("elderly"))
    size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 24  # 18 pt
    for name in ("标准版", "搜索", "登录"):
        box = page.get_by_role(
            "button" if name != "登录" else "link", name=name
        ).first.bounding_box()
        assert box["width"] >= 60 and box["height"] >= 60, (name, box)
    assert_accessible(page, "home, elderly mode")
    page.goto(f"{live_server.url}/regions/430112001/")
    expect(page.locator("html")).to_have_class(re.compile("elderly"))
    assert_accessible(page, "town page, elderly mode")
    page.get_by_role("button", name="标准版").click()
    expect(page.locator("html")).not_to_have_class(re.compile("elderly"))


def test_a_town_page_lists_its_communities_marked_as_demo_data(page, live_server):
    page.goto(live_server.url)
    page.get_by_role("link", name=re.compile("高塘岭街道")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("高塘岭街道")
    expect(page.locator(".notice")).to_contain_text("演示数据")
    assert page.locator("main .directory li").count() >= 8
    assert_accessible(page, "town page")


def test_a_wrong_password_is_explained_and_the_reviewer_reaches_the_workbench(page, live_server):
    sign_in(page, live_server, "reviewer", "wrong-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名")
    assert_accessible(page, "login error")
    sign_in(page, live_server, "reviewer")
    expect(page).to_have_url(f"{live_server.url}/workbench/")
    expect(page.locator(".facts")).to_contain_text("审批人员")
    expect(page.locator(".facts")).to_contain_text("长沙市望城区市场监督管理局")
    assert_accessible(page, "workbench")


def test_a_clerk_looks_up_a_person_with_a_purpose_and_the_supervisor_sees_it(
    page, live_server, users
):
    from onething.registries.models import Person

    person = Person.objects.order_by("id")[5]
    sign_in(page, live_server, "clerk")
    page.get_by_role("link", name=re.compile("基础库查询")).click()
    assert_accessible(page, "lookup form")
    page.get_by_label("证件号码").fill(
        person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1")
    )
    page.get_by_label("查询事由").fill("办件 WC2026-000777")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert").first).to_contain_text("校验位错误")
    assert_accessible(page, "lookup, bad number")
    page.get_by_label("证件号码").fill(person.id_number)
    page.get_by_label("查询事由").fill("")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert").first).to_contain_text("请填写查询事由")
    page.get_by_label("查询事由").fill("办件 WC2026-000777")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".result")).to_contain_text(person.id_number)
    expect(page.locator(".result")).to_contain_text(person.name)
    assert_accessible(page, "lookup result")
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "supervisor")
    page.get_by_role("link", name=re.compile("审计日志")).click()
    expect(page.locator("table")).to_contain_text("办件 WC2026-000777")
    expect(page.locator("table")).to_contain_text("registries.person.read")
    assert_accessible(page, "audit log")


def test_a_citizen_sees_their_own_masked_record(page, live_server, users):
    sign_in(page, live_server, "citizen")
    expect(page).to_have_url(f"{live_server.url}/my/")
    masked = users["citizen"].masked_id_number
    expect(page.locator(".facts")).to_contain_text(masked)
    assert users["citizen"].id_number not in page.content()
    assert_accessible(page, "my page")
