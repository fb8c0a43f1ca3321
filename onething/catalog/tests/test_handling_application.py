"""A handling item's application elements: form fields, instant-approval rule, commitment."""

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from onething.catalog import excel, services, validation
from onething.catalog.approval import approval_catalog
from onething.catalog.models import HandlingItem
from onething.core.errors import ServiceError
from onething.core.models import Department
from onething.rules import evaluate
from onething.rules.facts import BOOLEAN, DATE, NUMBER, SOURCE_ANSWER, SOURCE_REGISTRY, TEXT

pytestmark = pytest.mark.usefixtures("district")

BUNDLES = Path(__file__).resolve().parents[2] / "bundles" / "data"
FORM_FIELDS = [
    {"key": "shop_name", "label": "店铺（场所）名称", "kind": "text", "required": True},
    {"key": "business_area", "label": "经营场所建筑面积", "kind": "number", "unit": "平方米"},
    {
        "key": "business_form",
        "label": "主体业态",
        "kind": "single",
        "required": True,
        "options": [
            {"value": "catering", "label": "餐饮服务经营者"},
            {"value": "sales", "label": "食品销售经营者"},
        ],
    },
    {"key": "opening_date", "label": "拟开业日期", "kind": "date", "required": False},
    {"key": "online_sales", "label": "通过网络平台经营", "kind": "yesno", "help": "含外卖平台"},
    {"key": "manager_id_number", "label": "负责人居民身份证号码", "kind": "id_number"},
    {"key": "manager_phone", "label": "负责人手机号码", "kind": "phone"},
]
APPROVAL_RULE = {
    "note": "示意：存续的企业、小面积、非网络经营的即时办结",
    "all": [
        {"fact": "status", "op": "=", "value": "active"},
        {"fact": "business_area", "op": "<=", "value": 200},
        {"fact": "online_sales", "op": "is", "value": False},
    ],
}
COMMITMENT = {
    "text": "本单位承诺经营场所符合条件，所报信息真实；如承诺不实，愿承担法律责任。",
    "waives": ["营业执照"],
    "verify_days": 30,
    "method": "现场核查",
}


@pytest.fixture
def applied(item_data):
    """The test item with a complete application on its handling item."""
    handling = item_data["handling_items"][0]
    handling["form_fields"] = copy.deepcopy(FORM_FIELDS)
    handling["approval_rule"] = copy.deepcopy(APPROVAL_RULE)
    handling["commitment"] = copy.deepcopy(COMMITMENT)
    return item_data


def scjg():
    return services.implementer_for_department(Department.objects.get(code="SCJG"))


def application_problems(data) -> dict[str, str]:
    return {
        p.field: p.message
        for p in validation.item_problems(data)
        if p.field.startswith("handling_items.")
    }


# --- Validation -----------------------------------------------------------------------------


def test_a_complete_application_is_valid(applied):
    assert validation.item_problems(applied) == []


def _field(data, index):
    return data["handling_items"][0]["form_fields"][index]


def _set_key(index, key):
    return lambda d: _field(d, index).update(key=key)


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (_set_key(0, "Shop-Name"), "form_fields.0.key", "字段名应以小写英文字母开头"),
        (_set_key(0, "x"), "form_fields.0.key", "2–40个字符"),
        (_set_key(0, "applicant_name"), "form_fields.0.key", "字段名“applicant_name”已由系统保留"),
        (_set_key(0, "credit_code"), "form_fields.0.key", "已由系统保留"),
        (_set_key(1, "shop_name"), "form_fields.1.key", "字段名“shop_name”重复"),
        (_set_key(0, "birth_date"), "form_fields.0.key", "与登记信息“出生日期”重名"),
        (lambda d: _field(d, 2).pop("options"), "form_fields.2.options", "至少需要两个选项"),
        (
            lambda d: _field(d, 2)["options"][1].update(value="catering"),
            "form_fields.2.options.1",
            "选项取值“catering”重复",
        ),
        (lambda d: _field(d, 0).update(kind="email"), "form_fields.0.kind", "类型应为"),
        (lambda d: _field(d, 0).update(label=""), "form_fields.0.label", "请填写"),
        (lambda d: _field(d, 0).update(label="很" * 41), "form_fields.0.label", "不能超过40个字"),
        (lambda d: _field(d, 0).update(help="很" * 201), "form_fields.0.help", "不能超过200个字"),
        (lambda d: _field(d, 0).update(unit="米"), "form_fields.0.unit", "只有数字字段"),
        (lambda d: _field(d, 0).update(requird=True), "form_fields.0.requird", "不认识的键"),
        (lambda d: _field(d, 0).update(required="是"), "form_fields.0.required", "是否必填"),
        (
            lambda d: d["handling_items"][0].update(form_fields={"shop_name": "text"}),
            "form_fields",
            "申请表字段应为列表",
        ),
        (
            lambda d: d["handling_items"][0]["approval_rule"]["all"][0].update(fact="staus"),
            "approval_rule",
            "$.all[0].fact：事实目录“登记信息和申请表字段”中没有“staus”，您是不是要找：status",
        ),
        (
            lambda d: d["handling_items"][0]["approval_rule"]["all"][2].update(op=">="),
            "approval_rule",
            "$.all[2].op：通过网络平台经营是是否，运算符“>=”不可用",
        ),
        (
            lambda d: d["handling_items"][0]["approval_rule"]["all"][1].update(value="两百"),
            "approval_rule",
            "$.all[1].value",
        ),
        (
            lambda d: d["handling_items"][0]["commitment"].update(waives=["场所平面图"]),
            "commitment.waives.0",
            "承诺可免交的材料须是本办理项的材料",
        ),
        (
            lambda d: d["handling_items"][0]["commitment"].update(waives=[]),
            "commitment.waives",
            "请列出",
        ),
        (lambda d: d.update(kind="02"), "commitment", "该类事项不适用告知承诺制"),
        (lambda d: d.update(kind="20"), "commitment", "该类事项不适用告知承诺制"),
        (
            lambda d: d["handling_items"][0]["commitment"].update(verify_days=0),
            "commitment.verify_days",
            "1–365",
        ),
        (
            lambda d: d["handling_items"][0]["commitment"].update(verify_days=366),
            "commitment.verify_days",
            "1–365",
        ),
        (
            lambda d: d["handling_items"][0]["commitment"].update(method="电话核查"),
            "commitment.method",
            "书面核查、网络核查、现场核查",
        ),
        (
            lambda d: d["handling_items"][0]["commitment"].update(text="承" * 2001),
            "commitment.text",
            "不能超过2000个字",
        ),
        (
            lambda d: d["handling_items"][0]["commitment"].pop("text"),
            "commitment.text",
            "请填写承诺书正文",
        ),
    ],
)
def test_a_bad_application_is_refused_at_its_path(applied, change, path, words):
    change(applied)
    problems = application_problems(applied)
    where = f"handling_items.0.{path}"
    assert where in problems, problems
    assert words in problems[where]


@pytest.mark.parametrize("kind", ["01", "05", "07", "10"])
def test_commitment_is_allowed_for_licensing_benefit_confirmation_and_other_powers(applied, kind):
    applied["kind"] = kind
    assert application_problems(applied) == {}


def test_a_rule_over_person_facts_needs_a_person_item(applied):
    applied["handling_items"][0]["approval_rule"] = {
        "fact": "birth_date",
        "op": "years_before_asof",
        "value": 80,
    }
    assert "handling_items.0.approval_rule" in application_problems(applied)
    applied["audience"] = ["person", "enterprise"]
    assert application_problems(applied) == {}


def test_publishing_refuses_a_bad_rule_with_its_path(applied):
    applied["handling_items"][0]["approval_rule"]["all"][0]["fact"] = "no_such_fact"
    with pytest.raises(ServiceError) as error:
        services.publish_item(actor=None, data=applied, implementer=scjg())
    assert "no_such_fact" in error.value.fields["handling_items.0.approval_rule"]


# --- Publishing, snapshot, Excel ---------------------------------------------------------


def test_publishing_stores_the_application_and_the_version_freezes_it(applied):
    item = services.publish_item(actor=None, data=applied, implementer=scjg())
    handling = item.handling_items.get()
    assert handling.form_fields == FORM_FIELDS
    assert handling.approval_rule == APPROVAL_RULE
    assert handling.commitment == COMMITMENT
    frozen = item.current_version.snapshot["handling_items"][0]
    assert frozen["form_fields"] == FORM_FIELDS
    assert frozen["approval_rule"] == APPROVAL_RULE
    assert frozen["commitment"] == COMMITMENT


def test_a_handling_item_without_an_application_has_empty_elements(item_data):
    item = services.publish_item(actor=None, data=item_data, implementer=scjg())
    frozen = services.item_to_data(item)["handling_items"][0]
    assert (frozen["form_fields"], frozen["approval_rule"], frozen["commitment"]) == (
        [],
        None,
        None,
    )


def test_excel_export_then_import_gives_back_the_application(applied, users):
    item = services.publish_item(actor=None, data=applied, implementer=scjg())
    content = excel.export_items([services.item_to_data(item)])
    [draft] = services.import_drafts(actor=users["reviewer"], content=content)
    handling = draft.data["handling_items"][0]
    assert handling["form_fields"] == FORM_FIELDS
    assert handling["approval_rule"] == APPROVAL_RULE
    assert handling["commitment"] == COMMITMENT


def test_a_bad_rule_in_a_workbook_is_reported_in_its_column(applied):
    applied["implementation_code"] = "新事项"
    applied["handling_items"][0]["approval_rule"]["all"][0]["op"] = "contains"
    with pytest.raises(excel.ImportInvalid) as error:
        excel.import_items(excel.export_items([applied]))
    [cell] = error.value.errors
    assert (cell.sheet, cell.row, cell.column) == ("业务办理项", 2, "秒批规则")
    assert "$.all[0].op" in cell.message


# --- approval_catalog and evaluation ---------------------------------------------------------


def test_the_approval_catalog_types_each_answer_by_its_kind():
    catalog = approval_catalog(FORM_FIELDS, ["enterprise"])
    types = {name: catalog.get(name).type for name, _ in ANSWER_TYPES}
    assert types == dict(ANSWER_TYPES)
    assert all(catalog.get(name).source == SOURCE_ANSWER for name, _ in ANSWER_TYPES)
    business_form = catalog.get("business_form")
    assert business_form.values == ("catering", "sales")
    assert business_form.show("catering") == "餐饮服务经营者"
    assert catalog.get("business_area").show(120) == "120 平方米"
    assert catalog.get("status").source == SOURCE_REGISTRY
    assert catalog.get("birth_date") is None


ANSWER_TYPES = [
    ("shop_name", TEXT),
    ("business_area", NUMBER),
    ("business_form", TEXT),
    ("opening_date", DATE),
    ("online_sales", BOOLEAN),
    ("manager_id_number", TEXT),
    ("manager_phone", TEXT),
]


def test_an_item_for_both_audiences_gets_both_registries_without_clashes():
    person = approval_catalog([], ["person"]).facts
    enterprise = approval_catalog([], ["enterprise"]).facts
    both = approval_catalog(FORM_FIELDS, ["person", "enterprise"]).facts
    assert not set(person) & set(enterprise)
    assert len(both) == len(person) + len(enterprise) + len(FORM_FIELDS)


def demo_handling(department: str, base_code: str, name: str) -> HandlingItem:
    return HandlingItem.objects.select_related("item").get(
        item__department__code=department, item__base_code=base_code, item__level=4, name=name
    )


ASOF = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, True),
        ({"child_birth_date": "2024-05-01"}, False),  # not a newborn: ordinary review
        ({"guardian_relation": "self", "child_birth_date": None}, False),
        ({"household_town": None}, False),  # no household in the district
        ({"guardian_relation": None}, None),  # not answered: undecided
    ],
)
def test_the_newborn_insurance_rule_decides_from_registry_and_answers(answers, expected):
    handling = demo_handling("YB", "001620001000", "城乡居民基本医疗保险参保登记")
    catalog = approval_catalog(handling.form_fields, ["person"])
    facts = {
        "asof": ASOF.isoformat(),
        "household_town": "月亮岛街道",
        "guardian_relation": "parent",
        "child_name": "张小满",
        "child_birth_date": "2026-10-30",
        "birth_cert_number": "Q430123456",
        **answers,
    }
    assert evaluate(handling.approval_rule, facts, catalog) is expected


@pytest.mark.parametrize(
    ("birth_date", "deceased", "expected"),
    [
        ("1944-03-02", False, True),
        ("1946-11-28", False, True),  # 80 on the as-of day
        ("1946-11-29", False, False),
        ("1944-03-02", True, False),
        (None, False, None),  # registry record without a birth date: undecided
    ],
)
def test_the_elderly_allowance_rule_uses_the_registry_age(birth_date, deceased, expected):
    handling = demo_handling("MZ", "001305005000", "高龄津贴申领")
    catalog = approval_catalog(handling.form_fields, ["person"])
    facts = {
        "asof": ASOF.isoformat(),
        "birth_date": birth_date,
        "deceased": deceased,
        "household_town": "白箬铺镇",
        "bank_name": "长沙银行",
        "bank_account": "6214000000000000",
    }
    assert evaluate(handling.approval_rule, facts, catalog) is expected


# --- Demo data -------------------------------------------------------------------------------


def test_demo_commitments_waive_materials_of_their_own_handling_item():
    food = demo_handling("SCJG", "000201001000", "食品经营许可（新办）")
    hygiene = demo_handling("WJ", "001101003000", "公共场所卫生许可（新办）")
    for handling in (food, hygiene):
        materials = set(handling.materials.values_list("name", flat=True))
        assert handling.commitment["waives"] and set(handling.commitment["waives"]) <= materials
        assert handling.commitment["method"] == "现场核查"


def bundle_members(slug: str) -> list[HandlingItem]:
    bundle = yaml.safe_load((BUNDLES / f"{slug}.yaml").read_text(encoding="utf-8"))
    return [
        demo_handling(m["item"]["implementer"], m["item"]["base_code"], m["handling_item"])
        for m in bundle["members"]
    ]


@pytest.mark.parametrize("slug", ["birth", "open-restaurant"])
def test_every_bundle_member_asks_its_fields_and_shared_keys_mean_one_thing(slug):
    members = bundle_members(slug)
    assert all(h.form_fields for h in members), [h.name for h in members if not h.form_fields]
    by_key: dict[str, set] = {}
    for handling in members:
        for field in handling.form_fields:
            shape = (field["kind"], field["label"], str(field.get("options")), field.get("unit"))
            by_key.setdefault(field["key"], set()).add(shape)
    assert {key: shapes for key, shapes in by_key.items() if len(shapes) > 1} == {}


def test_the_newborn_is_asked_with_the_same_keys_across_the_birth_bundle():
    members = {h.name: {f["key"] for f in h.form_fields} for h in bundle_members("birth")}
    newborn = {"child_name", "child_sex", "child_birth_date", "birth_cert_number"}
    for name in (
        "预防接种证办理",
        "出生登记（婚生子女）",
        "出生登记（非婚生子女）",
        "出生医学证明换发",
    ):
        assert newborn <= members[name], name
    assert {"father_id_number", "mother_id_number", "household_address"} <= members[
        "出生登记（婚生子女）"
    ]
