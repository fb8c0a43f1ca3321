"""The synthetic registries are deterministic and every row is valid like a real one."""

import datetime as dt
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from onething.core.identity import validate_credit_code, validate_resident_id
from onething.registries.generator import (
    ENTERPRISE_COLUMNS,
    INDUSTRY_DIVISIONS,
    MOBILE_PREFIXES,
    PARK_TOWNS,
    PERSON_COLUMNS,
    SURNAMES,
    CommunityRef,
    EnterpriseRow,
    LegalRep,
    PersonRow,
    TownRef,
    _next_sequence,
    age_on,
    generate_enterprises,
    generate_people,
)
from onething.registries.models import Enterprise, Person

ASOF = dt.date(2026, 11, 28)
COMMUNITIES = [CommunityRef(100 + i, f"示例{i}{'社区' if i % 3 else '村'}") for i in range(1, 40)]
TOWNS = [
    TownRef(10 + i, name)
    for i, name in enumerate(
        (
            "高塘岭街道",
            "白沙洲街道",
            "金山桥街道",
            "铜官街道",
            "乌山街道",
            "靖港镇",
            "乔口镇",
            "茶亭镇",
        )
    )
]
ENTITY_KIND = {
    "llc": "1",
    "joint_stock": "1",
    "sole_proprietorship": "1",
    "partnership": "1",
    "branch": "1",
    "individual_business": "2",
    "cooperative": "3",
}


def people(seed=1, size=5000, asof=ASOF):
    return list(generate_people(seed=seed, size=size, communities=COMMUNITIES, asof=asof))


def legal_reps(population):
    return [
        LegalRep(p.id_number, p.name, p.birth_date)
        for p in population
        if p.death_date is None and 18 <= age_on(p.birth_date, ASOF) <= 75
    ]


def enterprises(seed=1, size=2000, reps=None):
    reps = reps if reps is not None else legal_reps(people(size=3000))
    return list(generate_enterprises(seed=seed, size=size, towns=TOWNS, legal_reps=reps, asof=ASOF))


def test_rows_follow_the_model_columns():
    concrete = {f.attname for f in Person._meta.concrete_fields} - {"id"}
    assert set(PERSON_COLUMNS) == concrete
    assert PersonRow._fields == PERSON_COLUMNS
    concrete = {f.attname for f in Enterprise._meta.concrete_fields} - {"id"}
    assert set(ENTERPRISE_COLUMNS) == concrete
    assert EnterpriseRow._fields == ENTERPRISE_COLUMNS


def test_same_seed_and_size_give_identical_rows():
    first, second = people(seed=4), people(seed=4)
    assert repr(first).encode() == repr(second).encode()
    assert people(seed=5) != first
    reps = legal_reps(first)
    assert enterprises(seed=4, reps=reps) == enterprises(seed=4, reps=reps)
    assert enterprises(seed=5, reps=reps) != enterprises(seed=4, reps=reps)


def test_a_smaller_size_is_a_prefix_of_a_larger_one():
    assert people(size=300) == people(size=1000)[:300]


def test_resident_ids_are_valid_unique_and_agree_with_the_row():
    rows = people(size=20_000)
    assert len({p.id_number for p in rows}) == len(rows)
    for p in rows:
        assert validate_resident_id(p.id_number, today=ASOF) == p.id_number
        assert ric.get_birth_date(p.id_number) == p.birth_date
        sequence = int(p.id_number[14:17])
        assert sequence % 2 == (1 if p.sex == "male" else 0)
        assert 0 <= age_on(p.birth_date, ASOF) <= 100


def test_people_of_the_district_carry_the_code_in_force_when_they_were_born():
    rows = people(size=20_000)
    codes = Counter(p.id_number[:6] for p in rows)
    # Most were born in 望城; some elsewhere in Hunan.
    assert (codes["430122"] + codes["430112"]) / len(rows) > 0.8
    assert all(code.startswith("43") for code in codes)
    assert len(codes) > 10
    for p in rows:
        if p.id_number[:6] == "430112":
            assert p.birth_date.year >= 2011  # 望城区 since 2011
        if p.id_number[:6] == "430122":
            assert p.birth_date.year <= 2011  # 望城县 before


def test_people_look_like_a_population():
    rows = people(size=20_000)
    sexes = Counter(p.sex for p in rows)
    assert 0.45 < sexes["male"] / len(rows) < 0.57
    assert {p.household_community_id for p in rows} == {c.id for c in COMMUNITIES}
    ages = [age_on(p.birth_date, ASOF) for p in rows]
    assert sum(a < 18 for a in ages) / len(ages) > 0.1
    assert sum(a >= 60 for a in ages) / len(ages) > 0.15
    surnames = set(SURNAMES.items)
    for p in rows:
        surname = next(s for s in (p.name[:2], p.name[:1]) if s in surnames)
        assert 1 <= len(p.name) - len(surname) <= 2
        assert p.phone == "" or (len(p.phone) == 11 and p.phone[:3] in MOBILE_PREFIXES)
        assert p.is_synthetic is True
        lived_to = p.death_date or ASOF
        age = age_on(p.birth_date, lived_to)
        if p.marital_status != "unmarried":
            assert age >= (22 if p.sex == "male" else 20)
        if p.death_date is not None:
            assert p.birth_date < p.death_date <= ASOF
    deaths = sum(p.death_date is not None for p in rows) / len(rows)
    assert 0.005 < deaths < 0.06
    children = [p for p in rows if age_on(p.birth_date, ASOF) < 12]
    assert sum(p.phone == "" for p in children) / len(children) > 0.8
    assert Counter(p.marital_status for p in rows).most_common(1)[0][0] == "married"


def test_sequence_numbers_never_repeat_and_run_out_cleanly():
    import random

    rng = random.Random(0)
    counters: dict = {}
    men = [_next_sequence(rng, counters, ("430122", 1, True)) for _ in range(501)]
    women = [_next_sequence(rng, counters, ("430122", 1, False)) for _ in range(500)]
    assert sorted(men[:500]) == list(range(1, 1000, 2)) and men[500] == 0
    assert sorted(women[:499]) == list(range(2, 999, 2)) and women[499] == 0


def test_credit_codes_are_valid_unique_and_match_the_entity_type():
    rows = enterprises(size=5000)
    assert len({e.credit_code for e in rows}) == len(rows)
    assert len({e.name for e in rows}) == len(rows)
    for e in rows:
        assert validate_credit_code(e.credit_code) == e.credit_code
        assert e.credit_code[0] == "9"  # registered by the market regulator
        assert e.credit_code[1] == ENTITY_KIND[e.entity_type]
        assert e.credit_code[2:8] == "430112"


def test_enterprises_look_like_a_legal_entity_registry():
    reps = legal_reps(people(size=8000))
    by_id = {r.id_number: r for r in reps}
    rows = enterprises(size=5000, reps=reps)
    town_names = {t.id: t.name for t in TOWNS}
    for e in rows:
        rep = by_id[e.legal_rep_id_number]
        assert rep.name == e.legal_rep_name
        assert dt.date(1995, 1, 1) <= e.established_on <= ASOF
        assert age_on(rep.birth_date, e.established_on) >= 18
        assert e.industry_code in INDUSTRY_DIVISIONS
        assert e.town_id in town_names
        assert not e.in_park or town_names[e.town_id] in PARK_TOWNS
        assert e.tax_credit_rating in "ABMCD"
        assert e.status in {"active", "revoked", "cancelled", "moved_out"}
        assert e.registered_capital >= 0 and e.registered_capital.as_tuple().exponent == -2
        assert e.employees >= 1
        assert not e.is_high_tech or e.industry_code[0] in "CIM"
        if e.entity_type == "individual_business":
            assert "有限公司" not in e.name
        if e.entity_type == "cooperative":
            assert e.name.endswith("专业合作社") and e.industry_code.startswith("A")
    types = Counter(e.entity_type for e in rows)
    assert types["individual_business"] > types["llc"] > types["cooperative"] > 0
    ratings = Counter(e.tax_credit_rating for e in rows)
    assert {r for r, _ in ratings.most_common(2)} == {"B", "M"}
    assert ratings["D"] < ratings["C"] and ratings["D"] / len(rows) < 0.08
    employees = sorted(e.employees for e in rows)
    assert employees[len(rows) // 2] < 20
    assert employees[-1] > 300
    statuses = Counter(e.status for e in rows)
    assert statuses["active"] / len(rows) > 0.8
    assert any(e.in_park for e in rows)
    assert 0 < sum(e.is_high_tech for e in rows) / len(rows) < 0.1
    # Most representatives represent one entity; some several.
    per_rep = Counter(e.legal_rep_id_number for e in rows)
    assert per_rep.most_common(1)[0][1] > 1
    assert len(per_rep) > 0.8 * len(rows)


def test_names_stay_unique_when_short_trade_names_run_out():
    reps = legal_reps(people(size=3000))
    rows = enterprises(size=30_000, reps=reps)
    assert len({e.name for e in rows}) == len(rows)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=-(2**31), max_value=2**31 - 1))
def test_every_seed_gives_valid_numbers(seed):
    rows = people(seed=seed, size=300)
    for p in rows:
        validate_resident_id(p.id_number, today=ASOF)
    reps = legal_reps(rows)
    for e in enterprises(seed=seed, size=100, reps=reps):
        validate_credit_code(e.credit_code)


def test_leap_day_asof_and_empty_sizes():
    leap = dt.date(2024, 2, 29)
    rows = people(size=2000, asof=leap)
    for p in rows:
        validate_resident_id(p.id_number, today=leap)
        assert 0 <= age_on(p.birth_date, leap) <= 100
    assert people(size=0) == []
    assert list(generate_people(seed=1, size=0, communities=[], asof=ASOF)) == []
    assert list(generate_enterprises(seed=1, size=0, towns=[], legal_reps=[], asof=ASOF)) == []


def test_inputs_are_required():
    with pytest.raises(ValueError):
        list(generate_people(seed=1, size=1, communities=[], asof=ASOF))
    with pytest.raises(ValueError):
        list(generate_enterprises(seed=1, size=1, towns=TOWNS, legal_reps=[], asof=ASOF))
