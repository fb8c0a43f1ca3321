import pytest
from onething.bundles.models import Bundle
from onething.cases import services
from onething.cases.models import Case

pytestmark = pytest.mark.django_db

ANSWERS = {"parents_local": True, "parents_married": True, "by_agent": False, "cert_status": "ok",
           "want_insurance": True, "want_card": False, "mother_insured": False}


def test_smoke(users):
    citizen = users["citizen"]
    bundle = Bundle.objects.get(slug="birth")
    draft = services.draft_for(citizen, bundle=bundle, answers=ANSWERS)
    print([h.name for h in draft.handling_items])
    print([(f.key, f.value, f.source) for f in draft.form.all_fields])
    print([(m.name, m.supplied_by, m.required) for m in draft.form.materials])
    answers = {f.key: "x" for f in draft.form.fields}
    for f in draft.form.fields:
        if f.kind == "date": answers[f.key] = "2026-11-20"
        if f.kind == "single": answers[f.key] = f.options[0][0]
        if f.kind == "id_number": answers[f.key] = citizen.id_number
        if f.kind == "yesno": answers[f.key] = "yes"
        if f.kind == "number": answers[f.key] = "3"
        if f.kind == "phone": answers[f.key] = "13800000000"
    files = {m.name: [("a.pdf", b"%PDF-1.4 test")] for m in draft.form.materials if not m.supplied_by}
    sub = services.Submission(answers=answers, files=files)
    app, created = services.submit_application(actor=citizen, draft=draft, submission=sub, idempotency_key="k1")
    app2, created2 = services.submit_application(actor=citizen, draft=draft, submission=sub, idempotency_key="k1")
    assert app.pk == app2.pk and created and not created2
    for case in app.cases.all():
        print(case.number, case.handling_item.name, case.department, case.state, case.route, case.due_on, case.facts_checked)
        st = services.status_of(case)
        print(st.deadlines, st.warning)
    case = app.cases.filter(state="submitted").first()
    staff = [u for u in users.values() if u.department_id == case.department_id]
    print(case.department, [(u.username, u.role) for u in staff])
