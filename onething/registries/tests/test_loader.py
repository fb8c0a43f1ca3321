"""Loading the registries: the raw fast paths write what the ORM would, once per seed and size."""

import datetime as dt
import hashlib
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from onething.core.errors import ServiceError
from onething.core.models import AuditEntry, Region
from onething.registries.generator import (
    ENTERPRISE_COLUMNS,
    PERSON_COLUMNS,
    CommunityRef,
    LegalRep,
    TownRef,
    age_on,
    generate_enterprises,
    generate_people,
)
from onething.registries.loader import (
    _delete_all,
    _insert,
    _replace,
    load_legal_entities,
    load_population,
)
from onething.registries.models import Enterprise, Person, RegistryLoad

ASOF = dt.date(2026, 11, 28)
pytestmark = pytest.mark.django_db


def checksum(model) -> str:
    """A digest of every stored value of the table, ids included, in id order."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)} ORDER BY id")
        return hashlib.sha256(repr(cursor.fetchall()).encode()).hexdigest()


def stored(model, columns, key: str) -> list[tuple]:
    """The values as the database holds them (SQLite: with their storage class), without ids."""
    quote = connection.ops.quote_name
    if connection.vendor == "sqlite":
        select = ", ".join(f"quote({quote(c)})" for c in columns)
    else:
        select = ", ".join(f"{quote(c)}::text" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {quote(model._meta.db_table)} ORDER BY {quote(key)}")
        return cursor.fetchall()


def communities():
    return [
        CommunityRef(*row)
        for row in Region.objects.filter(level="community", code__startswith="430112")
        .order_by("code")
        .values_list("id", "name")
    ]


def test_loads_the_population_once_per_seed_and_size():
    assert load_population(seed=7, size=500, asof=ASOF) == 500
    assert Person.objects.count() == 500
    assert not Person.objects.filter(is_synthetic=False).exists()
    record = RegistryLoad.objects.get(dataset="population")
    assert (record.seed, record.size) == (7, 500)
    entry = AuditEntry.objects.filter(action="registries.population.load").order_by("-id")[0]
    assert entry.after["rows"] == 500 and entry.after["seed"] == 7
    assert entry.actor is None

    before, audits = checksum(Person), AuditEntry.objects.count()
    assert load_population(seed=7, size=500, asof=ASOF) == 0
    assert checksum(Person) == before
    assert AuditEntry.objects.count() == audits


def test_loaded_people_are_valid_records_of_the_district():
    load_population(seed=8, size=500, asof=ASOF)
    district = settings.ONETHING_DISTRICT_CODE
    for person in Person.objects.select_related("household_community"):
        person.full_clean(validate_unique=False, validate_constraints=False)
        assert person.household_community.level == "community"
        assert person.household_community.code.startswith(district)
    assert Person.objects.values("id_number").distinct().count() == 500


def test_a_different_seed_or_size_replaces_the_population_and_its_enterprises():
    load_population(seed=7, size=500, asof=ASOF)
    load_legal_entities(seed=7, size=50, asof=ASOF)
    first = set(Person.objects.values_list("id_number", flat=True))

    assert load_population(seed=7, size=300, asof=ASOF) == 300
    assert Person.objects.count() == 300
    # Same seed: the smaller population is the start of the larger one.
    assert set(Person.objects.values_list("id_number", flat=True)) < first
    # The enterprises named people of the old population: they went with it.
    assert Enterprise.objects.count() == 0
    assert not RegistryLoad.objects.filter(dataset="legal_entities").exists()
    entry = AuditEntry.objects.filter(action="registries.population.load").order_by("-id")[0]
    assert entry.before == {"seed": 7, "size": 500}
    assert entry.after["legal_entities_removed"] == 50

    assert load_population(seed=9, size=300, asof=ASOF) == 300
    assert not set(Person.objects.values_list("id_number", flat=True)) & first
    assert load_legal_entities(seed=7, size=50, asof=ASOF) == 50


def test_legal_entities_are_represented_by_living_adults_of_the_population():
    load_population(seed=7, size=500, asof=ASOF)
    assert load_legal_entities(seed=7, size=50, asof=ASOF) == 50
    people = {p.id_number: p for p in Person.objects.all()}
    towns = Region.objects.filter(
        level="town", parent__code=settings.ONETHING_DISTRICT_CODE, valid_to__isnull=True
    )
    for enterprise in Enterprise.objects.all():
        enterprise.full_clean(validate_unique=False, validate_constraints=False)
        rep = people[enterprise.legal_rep_id_number]
        assert rep.name == enterprise.legal_rep_name
        assert rep.death_date is None
        assert 18 <= age_on(rep.birth_date, ASOF) <= 75
        assert enterprise.town_id in {t.id for t in towns}
    record = RegistryLoad.objects.get(dataset="legal_entities")
    assert (record.seed, record.size) == (7, 50)
    assert AuditEntry.objects.filter(action="registries.legal_entities.load").exists()

    before = checksum(Enterprise)
    assert load_legal_entities(seed=7, size=50, asof=ASOF) == 0
    assert checksum(Enterprise) == before
    assert load_legal_entities(seed=7, size=40, asof=ASOF) == 40
    assert Enterprise.objects.count() == 40


def test_raw_rows_are_the_rows_the_orm_writes():
    with transaction.atomic():
        _delete_all(Enterprise)
        _delete_all(Person)
    people = list(generate_people(seed=3, size=60, communities=communities(), asof=ASOF))
    reps = [
        LegalRep(p.id_number, p.name, p.birth_date)
        for p in people
        if p.death_date is None and age_on(p.birth_date, ASOF) >= 18
    ]
    towns = [
        TownRef(*row)
        for row in Region.objects.filter(level="town", parent__code="430112", valid_to=None)
        .order_by("code")
        .values_list("id", "name")
    ]
    enterprises = list(
        generate_enterprises(seed=3, size=60, towns=towns, legal_reps=reps, asof=ASOF)
    )
    # The rows cover the cases whose storage differs: NULL and set dates, whole and
    # fractional capital, both booleans, blank phones.
    assert {p.death_date is None for p in people} == {True, False}
    assert {p.phone == "" for p in people} == {True, False}
    assert {e.registered_capital == int(e.registered_capital) for e in enterprises} == {
        True,
        False,
    }
    assert {e.in_park for e in enterprises} == {True, False}

    with transaction.atomic():
        _insert(Person, PERSON_COLUMNS, people)
        _insert(Enterprise, ENTERPRISE_COLUMNS, enterprises)
    raw_people = stored(Person, PERSON_COLUMNS, "id_number")
    raw_enterprises = stored(Enterprise, ENTERPRISE_COLUMNS, "credit_code")

    with transaction.atomic():
        _delete_all(Enterprise)
        _delete_all(Person)
    for row in people:
        Person(**row._asdict()).save()
    for row in enterprises:
        Enterprise(**row._asdict()).save()
    assert stored(Person, PERSON_COLUMNS, "id_number") == raw_people
    assert stored(Enterprise, ENTERPRISE_COLUMNS, "credit_code") == raw_enterprises


def schema() -> dict:
    """Every index and constraint of the registry tables, by table."""
    with connection.cursor() as cursor:
        return {
            table: sorted(connection.introspection.get_constraints(cursor, table).items())
            for table in (Person._meta.db_table, Enterprise._meta.db_table)
        }


def test_indexes_and_foreign_keys_survive_a_load():
    before = schema()
    load_population(seed=11, size=200, asof=ASOF)
    load_legal_entities(seed=11, size=20, asof=ASOF)
    assert schema() == before


def test_a_failed_load_changes_nothing():
    load_population(seed=7, size=300, asof=ASOF)
    before, indexes = checksum(Person), schema()
    rows = list(generate_people(seed=8, size=300, communities=communities(), asof=ASOF))
    with pytest.raises(IntegrityError), transaction.atomic():
        _replace(Person, PERSON_COLUMNS, [*rows, rows[0]])
    assert checksum(Person) == before
    assert schema() == indexes

    Region.objects.filter(level="community").update(valid_to=dt.date(2020, 1, 1))
    with pytest.raises(ServiceError, match="村（社区）"):
        load_population(seed=8, size=300, asof=ASOF)
    assert checksum(Person) == before
    assert RegistryLoad.objects.get(dataset="population").seed == 7


def test_refuses_to_mix_synthetic_rows_into_a_real_registry():
    load_population(seed=7, size=100, asof=ASOF)
    Person.objects.filter(pk=Person.objects.first().pk).update(is_synthetic=False)
    with pytest.raises(ServiceError, match="真实数据"):
        load_population(seed=8, size=100, asof=ASOF)
    assert Person.objects.count() == 100


def test_legal_entities_need_the_population():
    with transaction.atomic():
        _delete_all(Enterprise)
        _delete_all(Person)
    RegistryLoad.objects.all().delete()
    with pytest.raises(ServiceError, match="人口库"):
        load_legal_entities(seed=1, size=10, asof=ASOF)


def test_command_prints_rows_and_seconds():
    out = io.StringIO()
    call_command("load_registries", people=300, enterprises=30, seed=5, stdout=out)
    text = out.getvalue()
    assert "人口库：载入 300 行" in text and "法人库：载入 30 行" in text and "秒" in text
    out = io.StringIO()
    call_command("load_registries", people=300, enterprises=30, seed=5, stdout=out)
    assert out.getvalue().count("未改动") == 2
