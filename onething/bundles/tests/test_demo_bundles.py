"""Every demo bundle: its definition checks clean, and each of its example answer sets gives
exactly the expected handling items and merged materials."""

import datetime as dt

import pytest

from onething.bundles import guidance
from onething.bundles.definitions import build_definition, check_definition
from onething.bundles.loader import read_bundle_files, resolve, resolve_all

pytestmark = pytest.mark.usefixtures("district")
SLUGS = [b["slug"] for b in read_bundle_files()]


def test_the_fourteen_demo_bundles_are_there():
    assert len(SLUGS) >= 14
    assert {
        "birth",
        "school",
        "employment",
        "retirement",
        "after-death",
        "open-company",
        "open-restaurant",
    } <= set(SLUGS)


@pytest.mark.parametrize("slug", SLUGS)
def test_each_bundle_resolves_checks_and_gives_its_examples(slug):
    data = next(b for b in read_bundle_files() if b["slug"] == slug)
    bundle, errors = resolve(data)
    assert errors == []
    assert check_definition(bundle["definition"]) == {}
    definition = build_definition(bundle["definition"])
    assert len(bundle["examples"]) >= 3
    for example in bundle["examples"]:
        result = guidance.guide(
            definition,
            example["answers"],
            today=dt.date(2026, 11, 30),
            add_working_days=lambda day, n: day + dt.timedelta(days=n),
        )
        assert [m.name for m in result.items] == example["items"], example["answers"]
        names = [m.name for m in result.materials + result.exempt]
        assert names == example["materials"], example["answers"]
        assert result.complete, (example["answers"], [q.key for q in result.next_questions])


def test_all_bundle_files_resolve_together():
    assert len(resolve_all()) == len(SLUGS)
