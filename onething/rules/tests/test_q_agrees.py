"""The database backend agrees with Python: for random rules and random records,
`evaluate(...) is True` exactly for the records `filter(to_q(rule))` returns, and `is False`
exactly for those `filter(to_q({"not": rule}))` returns; unknown records match neither.

Every column of Enterprise is NOT NULL, so its facts are never unknown there; the enterprise
test exercises negation, the set fact over EnterpriseQualification (no rows: the empty set) and
the type conversions. NULLs are exercised on Person, whose `death_date` is nullable (and with it
the derived `deceased`).
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onething.bundles.selectors import facts_of
from onething.core.models import Region
from onething.registries.models import Enterprise, EnterpriseQualification, Person
from onething.rules import check_rule, evaluate
from onething.rules.catalogs import ENTERPRISE, PERSON, QUALIFICATION_KINDS
from onething.rules.facts import OPERATORS
from onething.rules.q import to_q

ASOF = dt.date(2026, 6, 30)
DATES = ["1950-02-28", "2000-01-01", "2019-12-31", "2020-01-01", "2023-06-30", "2023-07-01"]
NUMBERS = {
    "employees": [0, 9, 10, 99, 100, 101, 300, 1000],
    "registered_capital": [0, 10.5, 100, 100.01, 500],
}
TEXTS = {
    "industry_code": ["C39", "C3911", "C40", "A01", "c39", "C4011"],
    "tax_credit_rating": list("ABMCD"),
    "status": ["active", "revoked", "cancelled", "moved_out"],
    "entity_type": ["llc", "joint_stock", "branch", "cooperative"],
    "sex": ["male", "female"],
    "marital_status": ["unmarried", "married", "divorced", "widowed"],
}
TEXT_PREFIXES = ["C", "C39", "c", "A0", "m", "wi"]
KINDS = list(QUALIFICATION_KINDS[:3])
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _values(fact, op):
    if op in ("is-known", "is-unknown"):
        return st.none()
    if fact.type == "number":
        pool = NUMBERS[fact.name]
        if op == "between":
            return st.lists(st.sampled_from(pool), min_size=2, max_size=2).map(sorted)
        return st.sampled_from(pool)
    if fact.type == "text":
        pool = TEXTS.get(fact.name, ["高塘岭街道", "乌山街道", "没有的街道"])
        if fact.values:
            pool = [v for v in pool if v in fact.values]
        if op == "in":
            return st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)
        if op == "starts-with":
            return st.sampled_from(TEXT_PREFIXES + pool)
        return st.sampled_from(pool)
    if fact.type == "date":
        if op == "years_before_asof":
            return st.sampled_from([0, 3, 6, 7, 30, 80])
        return st.sampled_from(DATES)
    if fact.type == "boolean":
        return st.booleans()
    if op == "contains":
        return st.sampled_from(KINDS)
    return st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True)


def _leaf(catalog):
    @st.composite
    def leaf(draw):
        fact = catalog.facts[draw(st.sampled_from(sorted(catalog.facts)))]
        op = draw(st.sampled_from(OPERATORS[fact.type]))
        value = draw(_values(fact, op))
        node = {"fact": fact.name, "op": op}
        if value is not None:
            node["value"] = value
        return node

    return leaf()


def rules(catalog, depth=3):
    if depth == 0:
        return _leaf(catalog)
    below = rules(catalog, depth - 1)
    return st.one_of(
        _leaf(catalog),
        st.builds(lambda parts: {"all": parts}, st.lists(below, min_size=1, max_size=3)),
        st.builds(lambda parts: {"any": parts}, st.lists(below, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, below),
    )


enterprise_rows = st.fixed_dictionaries(
    {
        "employees": st.sampled_from(NUMBERS["employees"]),
        "registered_capital": st.sampled_from(["0", "10.50", "100", "100.01", "500"]).map(Decimal),
        "industry_code": st.sampled_from(TEXTS["industry_code"]),
        "established_on": st.sampled_from(DATES).map(dt.date.fromisoformat),
        "in_park": st.booleans(),
        "tax_credit_rating": st.sampled_from(TEXTS["tax_credit_rating"]),
        "is_high_tech": st.booleans(),
        "status": st.sampled_from(TEXTS["status"]),
        "entity_type": st.sampled_from(TEXTS["entity_type"]),
        "qualifications": st.frozensets(st.sampled_from(KINDS)),
    }
)
person_rows = st.fixed_dictionaries(
    {
        "birth_date": st.sampled_from(DATES).map(dt.date.fromisoformat),
        "sex": st.sampled_from(TEXTS["sex"]),
        "marital_status": st.sampled_from(TEXTS["marital_status"]),
        "death_date": st.one_of(st.none(), st.sampled_from(DATES).map(dt.date.fromisoformat)),
        "community": st.integers(0, 1),
    }
)


def assert_backends_agree(model, catalog, records, rule):
    check_rule(rule, catalog)
    pks = [record.pk for record in records]
    rows = model.objects.filter(pk__in=pks)
    matched = set(rows.filter(to_q(rule, catalog, asof=ASOF)).values_list("pk", flat=True))
    failed = set(rows.filter(to_q({"not": rule}, catalog, asof=ASOF)).values_list("pk", flat=True))
    for record in records:
        result = evaluate(rule, {**facts_of(record, catalog), "asof": ASOF}, catalog)
        assert (result is True) == (record.pk in matched), (rule, facts_of(record, catalog))
        assert (result is False) == (record.pk in failed), (rule, facts_of(record, catalog))


@pytest.fixture
def towns(district):
    return list(
        Region.objects.filter(level=Region.Level.TOWN, children__isnull=False).distinct()[:2]
    )


@SETTINGS
@given(rule=rules(ENTERPRISE), rows=st.lists(enterprise_rows, min_size=1, max_size=6))
def test_enterprise_query_matches_python_evaluation(towns, rule, rows):
    with transaction.atomic():
        records = []
        for index, row in enumerate(rows):
            row = dict(row)
            kinds = row.pop("qualifications")
            code = f"9143TEST{index:010d}"
            records.append(
                Enterprise.objects.create(
                    credit_code=code,
                    name=f"测试企业{index}",
                    legal_rep_id_number="430112199001011234",
                    legal_rep_name="测试",
                    town=towns[index % 2],
                    is_synthetic=True,
                    **row,
                )
            )
            EnterpriseQualification.objects.bulk_create(
                EnterpriseQualification(credit_code=code, kind=kind) for kind in kinds
            )
        assert_backends_agree(Enterprise, ENTERPRISE, records, rule)
        transaction.set_rollback(True)


@SETTINGS
@given(rule=rules(PERSON), rows=st.lists(person_rows, min_size=1, max_size=6))
def test_person_query_matches_python_evaluation_including_nulls(towns, rule, rows):
    communities = [town.children.first() for town in towns]
    TEXTS_TOWNS = [town.name for town in towns]
    assert set(TEXTS_TOWNS) <= {"高塘岭街道", "乌山街道", *TEXTS_TOWNS}
    with transaction.atomic():
        records = [
            Person.objects.create(
                id_number=f"43011219900101{index:04d}",
                name=f"测试{index}",
                household_community=communities[row.pop("community")],
                **row,
            )
            for index, row in enumerate(dict(r) for r in rows)
        ]
        assert_backends_agree(Person, PERSON, records, rule)
        transaction.set_rollback(True)


def test_qualification_kinds_of_the_catalog_are_the_model_choices():
    assert list(QUALIFICATION_KINDS) == list(EnterpriseQualification.Kind.values)


def test_not_of_a_nullable_condition_requires_the_value(district):
    q = str(to_q({"not": {"fact": "death_date", "op": "before", "value": "2020-01-01"}}, PERSON))
    assert q == str(Q(death_date__gte=dt.date(2020, 1, 1)) & Q(death_date__isnull=False))


def test_not_of_a_comparison_flips_the_operator_and_excludes_unknown():
    q = to_q({"not": {"fact": "employees", "op": "<=", "value": 100}}, ENTERPRISE)
    assert q == Q(employees__gt=100) & Q(employees__isnull=False)


def test_set_membership_compiles_to_a_subquery(district):
    rule = {"fact": "qualifications", "op": "contains", "value": "高新技术企业"}
    sql = str(Enterprise.objects.filter(to_q(rule, ENTERPRISE)).query)
    assert '"credit_code" IN (SELECT' in sql and "enterprisequalification" in sql
