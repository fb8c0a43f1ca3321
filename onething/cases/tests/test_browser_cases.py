"""出生一件事 from application to conclusion in Chromium: a parent applies from the guidance
result, three departments' reviewers handle their cases in parallel, one asks for a correction,
the parent resubmits, all approve, and the parent downloads the notices. axe-core on each page."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from onething.web.tests.browser import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("district")]

BIRTH = (
    "parents_local=yes&parents_married=yes&by_agent=no&cert_status=ok&want_insurance=yes"
    "&want_card=no&mother_insured=no"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# The issuing units' full names, as the decisions must print them.
UNITS = {"长沙市公安局望城分局", "长沙市望城区卫生健康局", "长沙市望城区医疗保障局"}


@pytest.fixture
def published():
    from onething.bundles.publishing import load_bundles
    from onething.catalog.loader import load_catalog

    load_catalog()
    load_bundles()


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state()


def fill_form(page):
    """Type an answer into every empty field, as a parent would."""
    for field in page.locator("form input[type=text]:visible, form input[type=date]:visible").all():
        if field.input_value():
            continue
        name = field.get_attribute("name")
        if field.get_attribute("type") == "date":
            field.fill("2026-11-20")
        elif name in ("father_id_number", "mother_id_number"):
            field.fill("11010519491231002X")
        elif field.get_attribute("inputmode") == "decimal":
            field.fill("3.2")
        elif name == "delivery_address":
            continue
        else:
            field.fill("望城测试")
    for group in page.locator("form fieldset:has(input[type=radio])").all():
        radios = group.locator("input[type=radio]")
        if not group.locator("input[type=radio]:checked").count():
            radios.first.check()
    for upload in page.locator("form input[type=file]").all():
        upload.set_input_files(
            files=[{"name": "材料.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )


def handle(page, live_server, username, *, correction: str = ""):
    sign_in(page, live_server, username)
    page.goto(f"{live_server.url}/cases/")
    assert_accessible(page, f"workbench {username}")
    page.get_by_role("link", name=re.compile("出生登记|预防接种证|医疗保险")).first.click()
    assert_accessible(page, f"case {username}")
    if correction:
        page.get_by_label(re.compile("需要补正的材料或内容")).fill(correction)
        page.get_by_role("button", name="一次性告知补正").click()
        expect(page.locator(".badge.state")).to_have_text("待补正")
    else:
        page.get_by_role("button", name="受理", exact=True).click()
        expect(page.get_by_text(re.compile("已受理，办件状态"))).to_be_visible()
        approve = page.get_by_role("button", name="准予", exact=True)
        if approve.count():  # an on-the-spot item (即办件) is approved when accepted
            approve.click()
        expect(page.locator(".badge.state")).to_have_text(re.compile("已准予|已办结"))
    sign_out(page)


def test_a_parent_applies_for_the_birth_bundle_and_departments_handle_it(
    page, live_server, published
):
    sign_in(page, live_server, "citizen")
    page.goto(f"{live_server.url}/bundles/birth/result/?{BIRTH}")
    page.get_by_role("link", name=re.compile("在线申请")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("出生一件事")
    assert_accessible(page, "application form")
    # Submitting an empty form lists every problem and keeps nothing.
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("alert")).to_contain_text("请填写新生儿姓名")
    assert_accessible(page, "application form with errors")
    fill_form(page)
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("出生一件事")
    expect(page.locator(".case-card")).to_have_count(3)
    assert_accessible(page, "my application")
    sign_out(page)

    handle(page, live_server, "police-reviewer", correction="结婚证：照片不清晰，请重新上传")
    handle(page, live_server, "health-reviewer")
    handle(page, live_server, "medicare-reviewer")

    sign_in(page, live_server, "citizen")
    page.goto(f"{live_server.url}/my/applications/")
    page.get_by_role("link", name="出生一件事").click()
    expect(page.locator(".notice")).to_contain_text("照片不清晰")
    page.get_by_label("上传补正后的“结婚证”").set_input_files(
        files=[{"name": "结婚证.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert_accessible(page, "correction response")
    page.get_by_role("button", name="提交补正材料").click()
    expect(page.get_by_text("补正材料已提交")).to_be_visible()
    sign_out(page)

    handle(page, live_server, "police-reviewer")

    sign_in(page, live_server, "citizen")
    page.goto(f"{live_server.url}/my/applications/")
    page.get_by_role("link", name="出生一件事").click()
    expect(page.locator("dl.facts")).to_contain_text("已办结")
    assert_accessible(page, "concluded application")
    links = page.get_by_role("link", name=re.compile("准予(行政许可|办理)决定书")).all()
    assert len(links) == 3
    from onething.core.models import User
    from onething.registries.models import Person

    name = Person.objects.get(id_number=User.objects.get(username="citizen").id_number).name
    units = set()
    for link in links:
        response = page.request.get(live_server.url + link.get_attribute("href"))
        assert response.headers["content-type"] == "application/pdf"
        pages = PdfReader(io.BytesIO(response.body())).pages
        text = re.sub(r"\s+", "", "".join(p.extract_text() for p in pages))
        assert name in text
        units |= {unit for unit in UNITS if unit in text}
    assert units == UNITS
