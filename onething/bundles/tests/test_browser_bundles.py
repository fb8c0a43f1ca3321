"""出生一件事 as a person completes it in Chromium, in elderly mode, with axe-core on each step."""

import re

import pytest
from playwright.sync_api import expect

from onething.web.tests.browser import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]


@pytest.fixture
def published_bundles():
    from onething.bundles.publishing import load_bundles
    from onething.catalog.loader import load_catalog

    load_catalog()
    load_bundles()


def choose(page, label):
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="继续").click()


def test_a_parent_completes_the_birth_bundle_and_changes_an_answer(
    page, live_server, published_bundles
):
    page.goto(f"{live_server.url}/bundles/")
    page.get_by_role("button", name="长辈版").click()
    assert_accessible(page, "bundle list, elderly")
    page.get_by_role("link", name=re.compile("出生一件事")).click()
    assert_accessible(page, "start page")
    page.get_by_role("link", name="开始").click()
    answers = {
        "父母至少一方的户籍在望城区吗？": "是",
        "孩子的父母已经办理结婚登记了吗？": "是",
        "由父母以外的人代为申报户口吗？": "否",
        "孩子的出生医学证明现在是什么情况？": "已领取，信息无误",
        "要为孩子办理城乡居民基本医疗保险参保吗？": "是",
        "要同时为孩子申领社会保障卡吗？": "是",
        "孩子的母亲参加了职工基本医疗保险（含生育保险）吗？": "否",
    }
    # Submitting without an answer is explained, then each question is answered.
    page.get_by_role("button", name="继续").click()
    expect(page.get_by_role("alert")).to_contain_text("请选择“是”或“否”")
    assert_accessible(page, "question with an error")
    for _ in range(len(answers)):
        heading = page.get_by_role("heading", level=1).inner_text()
        assert_accessible(page, heading)
        choose(page, answers[heading])
    expect(page.get_by_role("heading", level=1)).to_have_text("核对您的回答")
    assert_accessible(page, "check answers")
    page.get_by_role("link", name="查看办理结果").click()
    expect(page.locator("#items-title + .table-wrap")).to_contain_text("社会保障卡首次申领")
    expect(page.locator("#items-title + .table-wrap")).to_contain_text("出生登记（婚生子女）")
    assert_accessible(page, "result")
    # Change an answer on the check page and see the result change.
    page.get_by_role("link", name="返回修改回答").click()
    page.get_by_role("link", name=re.compile("修改.*社会保障卡")).click()
    choose(page, "否")
    expect(page.get_by_role("heading", level=1)).to_have_text("核对您的回答")
    page.get_by_role("link", name="查看办理结果").click()
    expect(page.locator("#items-title + .table-wrap")).not_to_contain_text("社会保障卡首次申领")
    expect(page.locator("html")).to_have_class(re.compile("elderly"))
    box = page.get_by_role("link", name="返回修改回答").bounding_box()
    assert box["height"] >= 60


def test_the_bureau_edits_a_bundle_with_a_live_check(page, live_server, published_bundles):
    from onething.web.tests.browser import sign_in

    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/bundles/")
    assert_accessible(page, "bundle editor list")
    page.get_by_role("link", name="出生一件事").click()
    expect(page.locator("#check")).to_contain_text("预览")
    assert_accessible(page, "bundle editor")
    page.get_by_label("问卷与规则（JSON）").fill('{"questions": []')
    expect(page.locator("#check")).to_contain_text("不是有效的 JSON")
