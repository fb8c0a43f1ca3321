"""The formal notices as PDF: every kind, issued through the real case workflow, read back
with pypdf (whitespace removed: CJK extraction inserts spaces and line breaks)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pypdf
import pytest
from django.utils import timezone

from onething.bundles.models import Bundle
from onething.cases import services
from onething.cases.models import Notice
from onething.cases.notices import (
    chinese_date,
    chinese_ordinal,
    notice_filename,
    render_notice_html,
    render_notice_pdf,
)
from onething.catalog.models import HandlingItem

pytestmark = pytest.mark.django_db

BIRTH_ANSWERS = {
    "parents_local": True, "parents_married": True, "by_agent": False, "cert_status": "ok",
    "want_insurance": True, "want_card": False, "mother_insured": False,
}  # fmt: skip
REMEDY_WORDS = ("行政复议", "六十日", "行政诉讼", "六个月", "长沙市望城区人民政府")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return squash("".join(page.extract_text() for page in reader.pages))


def cn(iso: str) -> str:
    d = dt.date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def _answers(draft, id_number: str) -> dict:
    answers = {}
    for f in draft.form.fields:
        answers[f.key] = {
            "date": "2026-11-20", "single": f.options[0][0] if f.options else "x",
            "id_number": id_number, "yesno": "yes", "number": "3", "phone": "13800000000",
        }.get(f.kind, "测试内容")  # fmt: skip
    return answers


def _submit(actor, draft, key, *, id_number="", commitments=()):
    files = {
        m.name: [("a.pdf", b"%PDF-1.4 test")]
        for m in draft.form.materials
        if not m.supplied_by and not (set(m.commitment_by) & set(commitments))
    }
    submission = services.Submission(
        answers=_answers(draft, id_number), files=files, commitments=list(commitments)
    )
    application, _ = services.submit_application(
        actor=actor, draft=draft, submission=submission, idempotency_key=key
    )
    return application


def _notice(case, kind) -> Notice:
    return case.notices.filter(kind=kind).latest("id")


def _common(text: str, notice: Notice) -> None:
    """What every notice shows: title, number, unit, applicant, item, numbers, dates."""
    c = notice.context
    assert notice.title in text
    assert squash(notice.number) in text
    assert squash(c["unit"]) in text
    assert f"{c['applicant']}：" in text  # the addressee line
    assert squash(c["item"]) in text
    assert c["application_number"] in text
    assert c["case_number"] in text
    assert cn(c["received_on"]) in text
    assert cn(c["issued_on"]) in text
    if c.get("phone"):
        assert f"咨询电话：{squash(c['phone'])}" in text
    assert "电子印章（示意）" in text
    assert "不是电子印章或电子签名" in text
    assert "国务院令第716号" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "dates are written in Chinese form"


@pytest.fixture
def birth(users):
    """The birth bundle applied for by the demo citizen: three cases (卫健, 公安, 医保)."""
    citizen = users["citizen"]
    draft = services.draft_for(citizen, bundle=Bundle.objects.get(slug="birth"),
                               answers=BIRTH_ANSWERS)  # fmt: skip
    application = _submit(citizen, draft, "notices-birth", id_number=citizen.id_number)
    return application, {c.department.code: c for c in application.cases.all()}


@pytest.fixture
def food(users):
    """Applies for 食品经营许可（新办） as the demo enterprise; returns a function."""
    enterprise = users["enterprise"]
    handling = HandlingItem.objects.get(name="食品经营许可（新办）", item__department__code="SCJG")
    counter = iter(range(100))

    def apply(*, commitment=False):
        draft = services.draft_for(enterprise, handling_code=handling.code)
        commitments = [c["code"] for c in draft.form.commitments] if commitment else []
        application = _submit(enterprise, draft, f"notices-food-{next(counter)}",
                              commitments=commitments)  # fmt: skip
        return application.cases.get()

    return apply


def test_acceptance_of_an_immediate_case_and_its_approval(birth, users):
    _, cases = birth
    case = cases["WJ"]
    citizen = users["citizen"]
    services.perform(case_id=case.pk, action="accept", actor=users["health-reviewer"])

    acceptance = _notice(case, "acceptance")
    text = pdf_text(render_notice_pdf(acceptance))
    _common(text, acceptance)
    assert acceptance.context["unit"] == "长沙市望城区卫生健康局"
    assert "受理通知书" in text
    assert "申请材料齐全、符合法定形式" in text
    assert "《中华人民共和国行政许可法》第三十二条的规定" in text
    assert "决定予以受理" in text
    assert cn(acceptance.context["accepted_on"]) in text
    # The applicant's own notice: name in full, resident ID masked in the middle.
    masked = citizen.id_number[:6] + "********" + citizen.id_number[14:]
    assert f"居民身份证号码：{masked}" in text
    assert citizen.id_number not in text

    approval = _notice(case, "approval")
    text = pdf_text(render_notice_pdf(approval))
    _common(text, approval)
    # 预防接种证办理 is not an administrative licence: no 行政许可 title or decision articles.
    assert case.item.kind.code != "01"
    assert "准予办理决定书" in text and "行政许可决定书" not in text
    assert "第三十八条" not in text and "第四十四条" not in text
    assert "即办件当场办结" in text  # the recorded basis
    # The item's legal basis (设定依据) is cited, line by line.
    for line in approval.context["legal_basis"].splitlines():
        if line.strip():
            assert squash(line) in text


def test_correction_lists_every_problem_once_then_refusal(birth, users):
    _, cases = birth
    case = cases["GA"]
    police = users["police-reviewer"]
    problems = [
        {"item": "出生医学证明", "problem": "照片页不清晰，请重新上传彩色扫描件"},
        {"item": "结婚证", "problem": "缺少持证人信息页"},
        {"item": "新生儿姓名", "problem": ""},
    ]
    services.perform(case_id=case.pk, action="request-correction", actor=police,
                     data={"problems": problems})  # fmt: skip
    correction = _notice(case, "correction")
    text = pdf_text(render_notice_pdf(correction))
    _common(text, correction)
    assert "补正材料通知书" in text
    assert "一次性告知" in text
    assert "第三十二条第一款第（四）项" in text
    assert "《优化营商环境条例》第三十六条" in text
    assert "一、出生医学证明：照片页不清晰，请重新上传彩色扫描件；" in text
    assert "二、结婚证：缺少持证人信息页；" in text
    assert "三、新生儿姓名。" in text
    assert "自收到你补正的全部材料之日起重新计算受理时间" in text
    assert "特此通知" in text

    reasons = "经核查，申请人提交的出生医学证明与卫生健康部门登记信息不一致。"
    services.perform(case_id=case.pk, action="refuse", actor=police, data={"reasons": reasons})
    refusal = _notice(case, "refusal")
    text = pdf_text(render_notice_pdf(refusal))
    _common(text, refusal)
    assert "不予受理决定书" in text
    assert squash(reasons) in text
    assert "决定不予受理" in text
    assert "第三十二条" in text
    for word in REMEDY_WORDS:
        assert word in text
    assert squash(services.DEFAULT_REMEDIES) in text


def test_extension_special_procedure_and_denial(food, users):
    case = food()
    reviewer = users["reviewer"]
    enterprise = users["enterprise"]
    services.perform(case_id=case.pk, action="accept", actor=reviewer)
    acceptance = _notice(case, "acceptance")
    text = pdf_text(render_notice_pdf(acceptance))
    _common(text, acceptance)
    c = acceptance.context
    due = c.get("promised_due") or c["statutory_due"]
    assert f"本机关将于{cn(due)}前（法定期限{c['statutory_days']}个工作日，" in text
    assert f"承诺期限{c['promised_days']}个工作日" in text
    assert "你单位" in text
    # An enterprise's credit code is shown as it is.
    assert f"统一社会信用代码：{enterprise.credit_code}" in text

    services.perform(case_id=case.pk, action="review", actor=reviewer)
    services.perform(case_id=case.pk, action="extend", actor=reviewer,
                     data={"reason": "需对经营场所布局进行补充核实"})  # fmt: skip
    extension = _notice(case, "extension")
    text = pdf_text(render_notice_pdf(extension))
    _common(text, extension)
    assert "延长期限告知书" in text
    assert "第四十二条" in text
    assert "经本机关负责人批准" in text
    assert "延长10个工作日" in text
    assert "因需对经营场所布局进行补充核实，" in text
    assert f"将于{cn(extension.context['statutory_due'])}前作出决定" in text

    services.perform(case_id=case.pk, action="suspend", actor=reviewer, data={
        "procedure": "expert", "reason": "需对专间设置组织专家论证", "expected_days": 15,
    })  # fmt: skip
    special = _notice(case, "special")
    text = pdf_text(render_notice_pdf(special))
    _common(text, special)
    assert "特别程序告知书" in text
    assert "第四十五条" in text
    assert "专家评审所需时间不计算在" in text
    assert "预计需要15日" in text
    assert "需对专间设置组织专家论证" in text

    services.perform(case_id=case.pk, action="resume", actor=reviewer)
    reasons = "经现场核查，经营场所与有毒、有害场所的距离不符合要求。\n粗加工与切配区未分开设置。"
    services.perform(case_id=case.pk, action="deny", actor=reviewer, data={"reasons": reasons})
    denial = _notice(case, "denial")
    text = pdf_text(render_notice_pdf(denial))
    _common(text, denial)
    assert "不予行政许可决定书" in text
    assert "不符合法定条件、标准" in text
    assert "第三十八条第二款" in text
    for line in reasons.splitlines():
        assert squash(line) in text
    for word in REMEDY_WORDS:
        assert word in text


def test_approval_then_revocation_of_a_false_commitment(food, users):
    case = food(commitment=True)
    assert case.state in ("approved", "concluded")  # concluded once delivered electronically
    approval = _notice(case, "approval")
    text = pdf_text(render_notice_pdf(approval))
    _common(text, approval)
    assert "告知承诺制（国办发〔2020〕42号）" in text
    assert "经核查承诺不实的，本机关将依法撤销本决定" in text

    finding = "现场核查发现经营场所未设置承诺的更衣消毒设施"
    services.verify_commitment(verification_id=case.verification.pk, actor=users["reviewer"],
                               truthful=False, finding=finding)  # fmt: skip
    revocation = _notice(case, "revocation")
    text = pdf_text(render_notice_pdf(revocation))
    _common(text, revocation)
    assert "撤销行政许可决定书" in text
    assert f"经事后核查：{finding}。" in text
    assert "国办发〔2020〕42号" in text
    assert "第六十九条第二款" in text
    assert "决定撤销该准予决定" in text
    for word in REMEDY_WORDS:
        assert word in text


def _unsaved(kind="acceptance", number="望审受〔2026〕123号", **context) -> Notice:
    base = {
        "unit": "长沙市望城区行政审批服务局", "applicant": "长沙望城示例餐饮有限公司",
        "applicant_code": "91430112MA4L000001", "applicant_kind": "enterprise",
        "application_number": "WS2026-0000009", "case_number": "WC2026-0000009",
        "item": "食品经营许可", "handling_item": "食品经营许可（新办）",
        "received_on": "2026-11-02", "accepted_on": "2026-11-03", "decided_on": "",
        "issued_on": "2026-11-03", "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "statutory_days": 20, "promised_days": 10, "phone": "",
        "statutory_due": "2026-12-01",
    }  # fmt: skip
    base.update(context)
    return Notice(kind=kind, number=number, issued_at=timezone.now(), context=base)


def test_rendering_from_the_context_alone():
    """No case needed; no promised_due, no phone: the statutory date is used, nothing breaks."""
    notice = _unsaved()
    text = pdf_text(render_notice_pdf(notice))
    assert "望审受〔2026〕123号" in text
    assert "长沙市望城区行政审批服务局" in text
    assert "本机关将于2026年12月1日前（法定期限20个工作日，承诺期限10个工作日" in text
    assert "食品经营许可（新办）申请" in text  # not 食品经营许可（食品经营许可（新办））
    assert "统一社会信用代码：91430112MA4L000001" in text
    assert "咨询电话" not in text


def test_free_text_is_escaped_and_masking_without_a_case():
    notice = _unsaved(
        "refusal", applicant="张三", applicant_code="430112199001011234", applicant_kind="",
        reasons='<img src="file:///etc/passwd">不属于本机关职权范围', remedies="依法申请复议。",
    )  # fmt: skip
    html = render_notice_html(notice)
    assert '<img src="file' not in html
    assert "&lt;img" in html
    text = pdf_text(render_notice_pdf(notice))
    assert '<imgsrc="file:///etc/passwd">不属于本机关职权范围' in text
    assert "居民身份证号码：430112********1234" in text
    assert "430112199001011234" not in text


def test_the_pdf_embeds_the_cjk_fonts_and_is_a4():
    reader = pypdf.PdfReader(io.BytesIO(render_notice_pdf(_unsaved("special", procedure="听证",
                                                                   reason="涉及相邻权利人重大利益",
                                                                   expected_days=20))))  # fmt: skip
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width - 595.28) < 1 and abs(height - 841.89) < 1  # A4 in points
    fonts = {str(f.get_object()["/BaseFont"]) for f in page["/Resources"]["/Font"].values()}
    assert any("Noto-Serif-CJK-SC" in f for f in fonts), fonts


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        render_notice_html(_unsaved("../../catalog/guide_pdf"))


def test_dates_and_ordinals():
    assert chinese_date("2026-11-28") == "2026年11月28日"
    assert chinese_date("2026-01-05") == "2026年1月5日"
    assert chinese_date(dt.date(2027, 3, 1)) == "2027年3月1日"
    assert chinese_date("") == ""
    assert [chinese_ordinal(n) for n in (1, 9, 10, 11, 20, 23)] == [
        "一", "九", "十", "十一", "二十", "二十三",
    ]  # fmt: skip


def test_filename():
    assert notice_filename(_unsaved()) == "望审受〔2026〕123号-受理通知书.pdf"
    assert notice_filename(_unsaved("denial", number="望市不许〔2026〕7号")) == (
        "望市不许〔2026〕7号-不予行政许可决定书.pdf"
    )
    unsafe = notice_filename(_unsaved(number='a/b\\c"d;\r\ne'))
    assert not set('/\\";\r\n') & set(unsafe)
    assert unsafe.endswith("-受理通知书.pdf")
