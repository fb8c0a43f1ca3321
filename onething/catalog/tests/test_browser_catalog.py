"""Catalog flows in Chromium, each page audited with axe-core."""

import copy
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from onething.catalog import services
from onething.catalog.tests.factories import BASE_ITEM
from onething.core.models import Department
from onething.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]


@pytest.fixture
def item():
    implementer = services.implementer_for_department(Department.objects.get(code="SCJG"))
    return services.publish_item(actor=None, data=copy.deepcopy(BASE_ITEM), implementer=implementer)


def test_search_by_initials_finds_the_guide_and_its_pdf(page, live_server, item, tmp_path):
    page.goto(live_server.url)
    page.get_by_label("搜索办事事项").fill("cshhjyba")
    page.get_by_role("button", name="搜索").click()
    expect(page.get_by_role("status")).to_contain_text("共找到")
    assert_accessible(page, "search results")
    page.get_by_role("link", name="测试花卉经营备案").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("测试花卉经营备案")
    expect(page.locator("main")).to_contain_text("备案申请表")
    expect(page.get_by_role("img", name=re.compile("扫码"))).to_be_visible()
    assert_accessible(page, "guide")
    href = page.get_by_role("link", name="下载 PDF").get_attribute("href")
    pdf = page.request.get(f"{live_server.url}{href}")
    assert pdf.headers["content-type"] == "application/pdf"
    path = tmp_path / "guide.pdf"
    path.write_bytes(pdf.body())
    text = "".join(p.extract_text() for p in PdfReader(path).pages)
    assert "测试花卉经营备案" in text and "申请材料" in text
    page.get_by_role("link", name="历史版本").click()
    expect(page.locator("table")).to_contain_text("第1版")
    assert_accessible(page, "versions")


def test_a_reviewer_drafts_a_change_and_the_department_admin_publishes_it(page, live_server, item):
    sign_in(page, live_server, "reviewer")
    page.get_by_role("link", name=re.compile("事项管理")).click()
    assert_accessible(page, "catalog workbench")
    page.get_by_role("link", name=re.compile("修改.*测试花卉经营备案")).click()
    page.get_by_label("承诺时限（天）").fill("2")
    page.get_by_label("修订说明").fill("压缩承诺时限")
    assert_accessible(page, "edit form")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("草稿")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("待审核")
    assert_accessible(page, "draft in review")
    page.get_by_role("button", name="退出").click()

    sign_in(page, live_server, "dept-admin")
    page.goto(f"{live_server.url}/workbench/catalog/")
    page.get_by_role("link", name=re.compile("测试花卉经营备案")).first.click()
    page.get_by_role("button", name="审核通过并发布").click()
    expect(page.locator("table")).to_contain_text("第2版")
    expect(page.locator("table")).to_contain_text("压缩承诺时限")
    page.goto(f"{live_server.url}/items/{item.implementation_code}/")
    expect(page.locator("main")).to_contain_text("2个工作日")


def test_the_supervisor_reads_every_catalog_report(page, live_server, item):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/workbench/catalog/")
    for name in ("同标同质比对", "“四减”成效", "网上可办率", "要素一致性检查"):
        page.get_by_role("link", name=name).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        assert_accessible(page, name)


def test_the_parks_delegations_and_a_community_service_point(page, live_server, item):
    import datetime as dt

    from onething.catalog.models import Delegation
    from onething.core.models import Region

    Delegation.objects.create(
        item=item,
        to_department=Department.objects.get(code="JKQ"),
        delegated_on=dt.date(2021, 12, 31),
        document="赋权决定（示意）",
        is_illustrative=True,
    )
    community = Region.objects.filter(level="community", parent__code="430112001").first()
    data = dict(copy.deepcopy(BASE_ITEM), level=6, base_code="999000000111", name="测试就近办事项")
    services.publish_item(
        actor=None, data=data, implementer=services.implementer_for_region(community)
    )
    page.goto(live_server.url)
    page.get_by_role("link", name="赋权事项目录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("望城经开区赋权事项目录")
    expect(page.locator("table")).to_contain_text("测试花卉经营备案")
    assert_accessible(page, "park delegations")
    page.goto(f"{live_server.url}/regions/{community.code}/")
    expect(page.locator("main")).to_contain_text("测试就近办事项")
    assert_accessible(page, "community page")
