"""The cases API: uploads, idempotent submission, the case queue and its filters, one case,
and lifecycle actions with their 403/404/409/422 answers."""

import copy
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from onething.cases import services
from onething.cases.models import Application, Case, Upload
from onething.catalog import services as catalog_services
from onething.catalog.tests.factories import BASE_ITEM
from onething.core.models import AuditEntry, Department

pytestmark = pytest.mark.usefixtures("district")

GUIDANCE = {
    "parents_local": True,
    "parents_married": True,
    "by_agent": False,
    "cert_status": "ok",
    "want_insurance": True,
    "want_card": False,
    "mother_insured": False,
}
INSURANCE_FORM = "城乡居民基本医疗保险参保登记表"
PDF = b"%PDF-1.4 test material"
CASE_KEYS = {
    "id", "number", "application_id", "application_number", "handling_item",
    "handling_item_name", "department", "state", "state_label", "statutory_due",
    "promised_due", "step_due", "warning", "warning_label", "applicant", "submitted_at",
    "version",
}  # fmt: skip


def post(client, url, body=None, **headers):
    return client.post(url, body or {}, content_type="application/json", headers=headers)


def upload(client, name="表.pdf", data=PDF):
    return client.post("/api/v1/uploads", {"file": SimpleUploadedFile(name, data)})


def birth_answers(citizen, relation="parent"):
    born = (timezone.localdate() - dt.timedelta(days=8)).isoformat()
    return {
        "child_name": "罗小宝",
        "child_sex": "male",
        "child_birth_date": born,
        "birth_cert_number": "T430112260001",
        "birth_hospital": "望城区人民医院",
        "birth_weight": "3.2",
        "hepb_birth_dose": True,
        "bcg_birth_dose": "yes",
        "residence_address": "高塘岭街道莲桥社区",
        "child_ethnicity": "汉族",
        "father_name": "罗荣良",
        "father_id_number": citizen.id_number,
        "mother_name": "李芳",
        "mother_id_number": citizen.id_number,
        "settle_with": "father",
        "household_address": "高塘岭街道莲桥社区",
        "guardian_relation": relation,
    }


def birth_body(citizen, upload_id, relation="parent"):
    return {
        "bundle": "birth",
        "guidance_answers": GUIDANCE,
        "answers": birth_answers(citizen, relation),
        "materials": {INSURANCE_FORM: [upload_id]},
        "delivery": {"method": "electronic", "address": ""},
    }


def apply_for_birth(client, citizen, key="key-1", relation="parent"):
    client.force_login(citizen)
    upload_id = upload(client).json()["id"]
    body = birth_body(citizen, upload_id, relation)
    return post(client, "/api/v1/applications", body, **{"Idempotency-Key": key}), body


@pytest.fixture
def birth(client, users):
    """The citizen's birth bundle: 预防接种证 (卫健), 出生登记 (公安) waiting for pre-review,
    and 医保参保 (医保) approved at once by its instant rule."""
    response, _ = apply_for_birth(client, users["citizen"])
    assert response.status_code == 201, response.json()
    client.logout()
    return response.json()


def case_of(application, department):
    return next(c for c in application["cases"] if c["department"] == department)


# --- Uploads ---------------------------------------------------------------------------------


def test_an_upload_answers_201_with_its_id_name_kind_and_size(client, users):
    client.force_login(users["citizen"])
    response = upload(client, "出生医学证明.pdf")
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "name": "出生医学证明.pdf", "kind": "pdf", "size": len(PDF)}
    row = Upload.objects.get(pk=body["id"])
    assert row.owner == users["citizen"] and row.application is None
    assert AuditEntry.objects.filter(action="上传材料", object_id=str(row.pk)).exists()


def test_a_renamed_windows_executable_is_refused_by_its_content(client, users):
    client.force_login(users["citizen"])
    before = Upload.objects.count()
    response = upload(client, "x.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "file_type"
    assert error["message"] == (
        "“x.pdf”不是 PDF、JPG、PNG 或 OFD 文件（按文件内容识别，改扩展名无效）"
    )
    assert Upload.objects.count() == before


def test_an_oversize_upload_is_refused_with_the_limit(client, users, settings):
    settings.ONETHING_UPLOAD_MAX_FILE = 1024
    client.force_login(users["citizen"])
    response = upload(client, "big.pdf", PDF + b"0" * 2000)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "file_too_large"
    assert "“big.pdf”超过单个文件" in error["message"] and "上限" in error["message"]


def test_only_applicants_and_window_staff_upload(client, users):
    assert upload(client).status_code == 401
    client.force_login(users["supervisor"])
    assert upload(client).status_code == 403
    client.force_login(users["clerk"])
    assert upload(client).status_code == 201


# --- Submitting ------------------------------------------------------------------------------


def test_submitting_the_birth_bundle_creates_three_routed_cases(client, users, birth):
    assert set(birth) == {
        "id", "number", "title", "status", "status_label", "channel", "applicant",
        "submitted_at", "delivery_method", "cases",
    }  # fmt: skip
    assert birth["number"].startswith("SQ") and birth["title"]
    assert len(birth["cases"]) == 3
    assert {c["department"] for c in birth["cases"]} == {"区卫健局", "区公安分局", "区医保局"}
    for case in birth["cases"]:
        assert set(case) == CASE_KEYS
        assert case["number"].startswith("WC") and case["application_id"] == birth["id"]
        assert case["warning"] in {"green", "yellow", "red", "paused", "done"}
        for key in ("statutory_due", "promised_due"):
            assert case[key] is None or dt.date.fromisoformat(case[key])
        assert users["citizen"].id_number not in case["applicant"]  # masked
    insurance = case_of(birth, "区医保局")
    assert (insurance["state"], insurance["warning"]) == ("concluded", "done")
    assert case_of(birth, "区公安分局")["state"] == "submitted"
    application = Application.objects.get(pk=birth["id"])
    assert list(application.uploads.values_list("original_name", flat=True)) == ["表.pdf"]


def test_a_replay_with_the_same_key_answers_200_and_creates_nothing(client, users):
    citizen = users["citizen"]
    first, body = apply_for_birth(client, citizen, key="retry-1")
    again = post(client, "/api/v1/applications", body, **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["cases"] == first.json()["cases"]
    assert Application.objects.filter(submitted_by=citizen, idempotency_key="retry-1").count() == 1
    assert Case.objects.filter(application_id=first.json()["id"]).count() == 3


def test_the_same_key_with_another_body_is_a_conflict(client, users):
    citizen = users["citizen"]
    _, body = apply_for_birth(client, citizen, key="retry-2")
    body["delivery"] = {"method": "pickup", "address": ""}
    response = post(client, "/api/v1/applications", body, **{"Idempotency-Key": "retry-2"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_without_an_idempotency_key_nothing_is_submitted(client, users):
    citizen = users["citizen"]
    client.force_login(citizen)
    before = Application.objects.count()
    response = post(client, "/api/v1/applications", birth_body(citizen, 0))
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"Idempotency-Key": "必填"}
    assert Application.objects.count() == before


def test_form_and_material_problems_are_422_by_field(client, users):
    citizen = users["citizen"]
    client.force_login(citizen)
    body = birth_body(citizen, 0)
    body["answers"]["father_id_number"] = "430112199001011230"
    body["materials"] = {}
    response = post(client, "/api/v1/applications", body, **{"Idempotency-Key": "bad-1"})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "father_id_number" in fields and f"materials.{INSURANCE_FORM}" in fields
    both = {**body, "handling_item": "X"}
    response = post(client, "/api/v1/applications", both, **{"Idempotency-Key": "bad-2"})
    assert response.status_code == 422 and "handling_item" in response.json()["error"]["fields"]


# --- Reading ---------------------------------------------------------------------------------


def test_applicants_see_only_their_own_applications_and_cases(client, users, birth):
    client.force_login(users["citizen"])
    mine = client.get("/api/v1/applications").json()["results"]
    assert birth["id"] in [a["id"] for a in mine]
    assert client.get(f"/api/v1/applications/{birth['id']}").json()["number"] == birth["number"]
    numbers = {c["number"] for c in client.get("/api/v1/cases?limit=100").json()["results"]}
    assert {c["number"] for c in birth["cases"]} <= numbers

    client.force_login(users["enterprise"])
    assert birth["id"] not in [
        a["id"] for a in client.get("/api/v1/applications").json()["results"]
    ]
    assert client.get(f"/api/v1/applications/{birth['id']}").status_code == 404
    theirs = {c["number"] for c in client.get("/api/v1/cases?limit=100").json()["results"]}
    assert not theirs & {c["number"] for c in birth["cases"]}
    assert client.get(f"/api/v1/cases/{birth['cases'][0]['id']}").status_code == 404


def test_staff_see_only_their_units_cases_of_a_bundle(client, users, birth):
    client.force_login(users["police-reviewer"])
    application = client.get(f"/api/v1/applications/{birth['id']}").json()
    assert [c["department"] for c in application["cases"]] == ["区公安分局"]
    police = case_of(birth, "区公安分局")
    assert client.get(f"/api/v1/cases/{police['id']}").status_code == 200
    client.force_login(users["reviewer"])  # 市场监管
    assert client.get(f"/api/v1/cases/{police['id']}").status_code == 404
    assert client.get(f"/api/v1/applications/{birth['id']}").status_code == 404
    response = post(client, f"/api/v1/cases/{police['id']}/accept")
    assert response.status_code == 404


def test_a_case_has_its_timeline_materials_deadlines_form_and_actions(client, users, birth):
    health = case_of(birth, "区卫健局")
    client.force_login(users["health-reviewer"])
    body = client.get(f"/api/v1/cases/{health['id']}").json()
    assert {k: body[k] for k in CASE_KEYS} == health
    assert body["route"] == "normal" and body["form_data"]["child_name"] == "罗小宝"
    assert body["timeline"][0]["action"] == "submit"
    assert set(body["timeline"][0]) == {"at", "actor_name", "action", "message"}
    assert body["deadlines"]["step"] == "预审" and body["deadlines"]["correction_deadline"]
    assert isinstance(body["deadlines"]["provisional"], bool)
    assert all(m["status"] == "license" for m in body["materials"])
    assert body["allowed_actions"] == ["accept", "request-correction", "refuse"]
    assert body["notices"] == []
    read = AuditEntry.objects.filter(action="查阅办件", object_id=str(health["id"]))
    assert read.get().kind == "read"

    insurance = case_of(birth, "区医保局")
    client.force_login(users["citizen"])
    body = client.get(f"/api/v1/cases/{insurance['id']}").json()
    assert body["route"] == "instant" and body["facts_checked"][0]["result"] == "true"
    assert [n["kind"] for n in body["notices"]] == ["approval"]
    notice = body["notices"][0]
    assert notice["url"] == f"/cases/notices/{notice['id']}.pdf" and notice["kind_label"]
    uploaded = [m for m in body["materials"] if m["status"] == "uploaded"]
    assert [m["name"] for m in uploaded] == [INSURANCE_FORM] and uploaded[0]["upload_id"]
    assert body["allowed_actions"] == []
    assert not AuditEntry.objects.filter(action="查阅办件", object_id=str(insurance["id"]))


def ids(response):
    assert response.status_code == 200, response.json()
    return [c["id"] for c in response.json()["results"]]


def test_the_queue_filters_by_state_department_and_warning(client, users, birth):
    client.force_login(users["supervisor"])
    mine = f"q={birth['number']}"
    police, health, insurance = (
        case_of(birth, name) for name in ("区公安分局", "区卫健局", "区医保局")
    )
    everything = ids(client.get(f"/api/v1/cases?{mine}"))
    assert sorted(everything) == sorted(c["id"] for c in birth["cases"])
    assert everything[-1] == insurance["id"]  # nothing due: last
    assert set(ids(client.get(f"/api/v1/cases?{mine}&state=submitted"))) == {
        police["id"],
        health["id"],
    }
    assert ids(client.get(f"/api/v1/cases?{mine}&department=GA")) == [police["id"]]
    assert ids(client.get(f"/api/v1/cases?{mine}&warning=done")) == [insurance["id"]]

    # The police case was received three weeks ago: its pre-review is overdue.
    received = timezone.localdate() - dt.timedelta(days=21)
    case = Case.objects.get(pk=police["id"])
    case.received_on = received
    case.due_on = services.status_of(case).deadlines.step_due
    case.save(update_fields=["received_on", "due_on"])
    red = client.get(f"/api/v1/cases?{mine}&warning=red").json()["results"]
    assert [(c["id"], c["warning"]) for c in red] == [(police["id"], "red")]
    assert ids(client.get(f"/api/v1/cases?{mine}"))[0] == police["id"]  # most urgent first
    # Every warning the database filters agrees with the one computed for the row.
    for warning in ("green", "yellow", "red", "paused", "done"):
        for row in client.get(f"/api/v1/cases?{mine}&warning={warning}").json()["results"]:
            assert row["warning"] == warning

    bad = client.get("/api/v1/cases?state=lost&warning=orange&department=NOPE")
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"state", "warning", "department"}


def test_the_queue_finds_by_number_or_full_id_number_and_pages(client, users, birth):
    client.force_login(users["supervisor"])
    health = case_of(birth, "区卫健局")
    assert ids(client.get(f"/api/v1/cases?q={health['number']}")) == [health["id"]]
    by_person = ids(client.get(f"/api/v1/cases?q={users['citizen'].id_number}&limit=100"))
    assert {c["id"] for c in birth["cases"]} <= set(by_person)
    first = client.get(f"/api/v1/cases?q={birth['number']}&limit=2").json()
    assert len(first["results"]) == 2 and first["next_offset"] == 2
    last = client.get(f"/api/v1/cases?q={birth['number']}&limit=2&offset=2").json()
    assert len(last["results"]) == 1 and last["next_offset"] is None
    assert len(client.get("/api/v1/cases?limit=1000").json()["results"]) <= 100


# --- Acting ----------------------------------------------------------------------------------


def test_an_action_the_state_does_not_allow_is_422_naming_the_allowed_ones(client, users, birth):
    health = case_of(birth, "区卫健局")
    client.force_login(users["health-reviewer"])
    response = post(client, f"/api/v1/cases/{health['id']}/approve")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "action_not_allowed"
    assert "当前可进行的操作：受理、一次性告知补正、不予受理" in error["message"]


@pytest.fixture
def flower(client, users):
    """The enterprise's application for a promised-time item of 市场监管 (a 承诺件)."""
    item = catalog_services.publish_item(
        actor=None,
        data=copy.deepcopy(BASE_ITEM),
        implementer=catalog_services.implementer_for_department(
            Department.objects.get(code="SCJG")
        ),
    )
    client.force_login(users["enterprise"])
    form_id = upload(client, "备案申请表.pdf").json()["id"]
    body = {
        "handling_item": item.handling_items.get().code,
        "materials": {"备案申请表": [form_id]},
        "delivery": {"method": "pickup"},
    }
    response = post(client, "/api/v1/applications", body, **{"Idempotency-Key": "flower"})
    assert response.status_code == 201, response.json()
    client.logout()
    return response.json()["cases"][0]


def test_accepting_returns_the_case_and_a_stale_version_is_a_conflict(client, users, flower):
    assert (flower["department"], flower["state"]) == ("区市场监管局", "submitted")
    url = f"/api/v1/cases/{flower['id']}"
    client.force_login(users["reviewer"])
    accepted = post(client, f"{url}/accept", {"version": flower["version"]})
    assert accepted.status_code == 200, accepted.json()
    body = accepted.json()
    assert (body["state"], body["version"]) == ("accepted", flower["version"] + 1)
    assert [n["kind"] for n in body["notices"]] == ["acceptance"]
    assert body["timeline"][-1]["action"] == "accept"
    assert body["deadlines"]["step"] == "审查决定"
    assert "review" in body["allowed_actions"]
    stale = post(client, f"{url}/review", {"version": flower["version"]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert Case.objects.get(pk=flower["id"]).state == "accepted"
    current = post(client, f"{url}/review", {"version": body["version"]})
    assert current.status_code == 200 and current.json()["state"] == "under_review"


def test_a_decision_and_delivery_conclude_the_case(client, users, flower):
    url = f"/api/v1/cases/{flower['id']}"
    client.force_login(users["dept-admin"])
    for action, data in [
        ("accept", {}),
        ("suspend", {"procedure": "survey", "reason": "现场核查经营场所", "expected_days": 3}),
        ("resume", {}),
        ("extend", {"reason": "现场核查后需补充审查"}),
        ("deny", {"reasons": "经营场所与申报不符"}),
        ("deliver", {"method": "pickup"}),
    ]:
        response = post(client, f"{url}/{action}", data)
        assert response.status_code == 200, (action, response.json())
    body = response.json()
    assert (body["state"], body["warning"], body["decision"]) == ("concluded", "done", "denied")
    assert [n["kind"] for n in body["notices"]] == [
        "acceptance", "special", "extension", "denial",
    ]  # fmt: skip
    # The workbench hides concluded cases by default; a search by number finds it.
    row = f'href="/cases/{flower["id"]}/"'
    assert row not in client.get("/cases/").content.decode()
    assert row in client.get(f"/cases/?q={flower['number']}").content.decode()


def test_accepting_an_on_the_spot_case_decides_it(client, users, birth):
    health = case_of(birth, "区卫健局")  # 预防接种证: 即办
    client.force_login(users["health-reviewer"])
    body = post(client, f"/api/v1/cases/{health['id']}/accept").json()
    assert body["state"] == "approved" and body["decision"] == "approved"
    assert "approval" in [n["kind"] for n in body["notices"]]


def test_actions_answer_403_when_visible_but_not_yours_and_404_when_unknown(client, users, birth):
    health = case_of(birth, "区卫健局")
    client.force_login(users["citizen"])
    assert post(client, f"/api/v1/cases/{health['id']}/accept").status_code == 403
    assert post(client, f"/api/v1/cases/{health['id']}/deem-accept").status_code == 404
    client.force_login(users["health-reviewer"])
    missing = post(client, f"/api/v1/cases/{health['id']}/request-correction", {"problems": []})
    assert missing.status_code == 422 and "problems" in missing.json()["error"]["fields"]


def test_a_correction_is_resubmitted_with_uploaded_files(client, users, birth):
    health = case_of(birth, "区卫健局")
    url = f"/api/v1/cases/{health['id']}"
    client.force_login(users["health-reviewer"])
    problems = [{"item": "出生医学证明", "problem": "照片不清晰"}]
    asked = post(client, f"{url}/request-correction", {"problems": problems})
    assert asked.status_code == 200 and asked.json()["warning"] == "paused"
    assert asked.json()["correction_items"] == problems

    client.force_login(users["citizen"])
    assert post(client, f"{url}/resubmit").status_code == 422  # the file is missing
    new_id = upload(client, "出生医学证明（清晰）.pdf").json()["id"]
    response = post(client, f"{url}/resubmit", {"materials": {"出生医学证明": [new_id]}})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "submitted" and body["correction_items"] == []
    material = next(m for m in body["materials"] if m["name"] == "出生医学证明")
    assert material["status"] == "uploaded" and material["upload_id"]
    stolen = post(client, f"{url}/resubmit", {"materials": {"出生医学证明": [new_id + 999]}})
    assert stolen.status_code == 422
