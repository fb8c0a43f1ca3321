import pytest

pytestmark = pytest.mark.django_db


def test_explore(users):
    from onething.bundles.models import Bundle
    from onething.bundles.runner import run_guidance
    from onething.bundles.definitions import build_definition
    from onething.cases import services
    from onething.core.models import User
    ghost = User.objects.create(username="ghost", role="person", id_number="110101199003074514", display_name="无户籍")
    for b in Bundle.objects.all():
        d = build_definition(b.definition)
        print("BUNDLE", b.slug, b.audience, [ (q.key, q.kind, [o for o in getattr(q, 'options', [])][:3]) for q in d.questions])
    ANSWERS = {"parents_local": True, "parents_married": True, "by_agent": True, "cert_status": "ok",
           "want_insurance": True, "want_card": True, "mother_insured": True, "allowance_to_card": True}
    for who in (users["citizen"], ghost):
        draft = services.draft_for(who, bundle=Bundle.objects.get(slug="birth"), answers=ANSWERS)
        print(who, [h.name for h in draft.handling_items])
        print([(f.key, f.used_by, f.source, f.locked) for f in draft.form.all_fields])
        print([(m.name, m.supplied_by, m.required, m.needed_by) for m in draft.form.materials])
