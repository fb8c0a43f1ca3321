"""Excel round trip and all-or-nothing import; the guide page, its PDF and QR code."""

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from onething.catalog import excel, services
from onething.catalog.models import ItemDraft
from onething.core.models import AuditEntry, Department

pytestmark = pytest.mark.usefixtures("district")


@pytest.fixture
def item(item_data):
    item_data["fees"] = [
        {"name": "工本费", "standard": "10元/本", "basis": "湘价费〔2020〕1号", "waivable": True}
    ]
    item_data["cross_region"] = {"mode": "全程网办", "partners": ["4302", "4303"]}
    implementer = services.implementer_for_department(Department.objects.get(code="SCJG"))
    return services.publish_item(actor=None, data=item_data, implementer=implementer)


def comparable(data):
    """What an import must give back: everything but the derived codes and unit fields."""
    data = {
        k: v
        for k, v in data.items()
        if k not in ("implementing_unit", "implementing_credit_code", "region", "department")
    }
    for handling in data["handling_items"]:
        handling.pop("code", None)
        for material in handling["materials"]:
            material.pop("code", None)
            material["replaceable_by"] = material.get("replaceable_by") or ""
    return data


def test_export_then_import_gives_back_exactly_the_item(item, users):
    original = services.item_to_data(item)
    content = excel.export_items([original])
    drafts = services.import_drafts(actor=users["reviewer"], content=content)
    assert len(drafts) == 1 and drafts[0].item == item
    assert comparable(drafts[0].data) == comparable(original)


def test_a_bad_import_reports_every_cell_and_imports_nothing(item, users):
    book = load_workbook(io.BytesIO(excel.export_items([services.item_to_data(item)])))
    items, materials = book["事项"], book["申请材料"]
    items["Q2"] = "3"  # 网办深度 becomes Ⅲ: fine
    items["P2"] = 2  # 到现场次数 2 with Ⅲ: fine
    items["B2"] = "123"  # 基本编码
    items["Z2"] = "也许"  # 进驻大厅
    materials["E2"] = "传真"  # 材料形式
    buffer = io.BytesIO()
    book.save(buffer)
    drafts_before = ItemDraft.objects.count()
    with pytest.raises(excel.ImportInvalid) as error:
        services.import_drafts(actor=users["reviewer"], content=buffer.getvalue())
    found = {(e.sheet, e.row, e.column) for e in error.value.errors}
    assert ("事项", 2, "进驻大厅") in found
    assert ("申请材料", 2, "材料形式") in found
    assert ("事项", 2, "基本编码") in found
    assert ItemDraft.objects.count() == drafts_before
    messages = [str(e) for e in error.value.errors]
    assert "“事项”表第2行“进驻大厅”列：应填“是”或“否”" in messages


def test_the_import_page_shows_the_error_report(client, item, users):
    client.force_login(users["reviewer"])
    response = client.post(
        "/workbench/catalog/import/", {"workbook": io.BytesIO(b"not a workbook")}
    )
    assert response.status_code == 422
    assert "不是有效的 Excel" in response.content.decode()


def test_another_units_item_in_a_workbook_is_refused(item, users):
    content = excel.export_items([services.item_to_data(item)])
    with pytest.raises(excel.ImportInvalid) as error:
        services.import_drafts(actor=users["hrss-clerk"], content=content)
    assert "不是本单位实施的事项" in str(error.value.errors[0])


def test_the_guide_page_shows_every_element_and_a_qr_code(client, item):
    page = client.get(f"/items/{item.implementation_code}/").content.decode()
    for text in (
        "测试花卉经营备案",
        "《测试条例》第三条",
        "备案申请表",
        "可用电子证照免交",
        "工本费：10元/本",
        "5个工作日",
        "Ⅳ级（全程网办）",
        "data:image/svg+xml",
        "全程网办（株洲市、湘潭市）",
    ):
        assert text in page, text


def test_the_guide_pdf_has_a_chinese_text_layer(client, item):
    response = client.get(f"/items/{item.implementation_code}/guide.pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "测试花卉经营备案" in text and "办事指南" in text and "备案申请表" in text
    fonts = {
        str(f.get_object()["/BaseFont"])
        for page in reader.pages
        for f in page["/Resources"]["/Font"].values()
    }
    assert any("CJK" in font for font in fonts), fonts


def test_editing_in_the_workbench_makes_a_draft_not_a_change(client, item, users):
    client.force_login(users["reviewer"])
    response = client.post(
        f"/workbench/catalog/items/{item.implementation_code}/edit/",
        {
            "name": item.name,
            "conditions": "新条件",
            "promised_days": 3,
            "visits": 0,
            "online_depth": 4,
            "place": "一楼",
            "hours": "工作日",
            "phone": "0731-88000000",
            "note": "压缩时限",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.promised_days == 5  # unchanged until published
    draft = ItemDraft.objects.filter(item=item).latest("id")
    assert draft.data["promised_limit"]["days"] == 3 and draft.status == "draft"
    assert AuditEntry.objects.filter(
        action="catalog.itemdraft.create", object_id=str(draft.pk)
    ).exists()


def test_text_that_looks_like_a_formula_stays_text(item, users):
    data = services.item_to_data(item)
    data["conditions"] = '=HYPERLINK("http://example.invalid","点此")'
    book = load_workbook(io.BytesIO(excel.export_items([data])))
    column = [c.value for c in book["事项"][1]].index("受理条件") + 1
    cell = book["事项"].cell(row=2, column=column)
    assert cell.data_type == "s" and cell.value == data["conditions"]
    back = excel.import_items(excel.export_items([data]))
    assert back[0]["conditions"] == data["conditions"]
