import copy

import pytest
import yaml

from onething.catalog.tests.factories import BASE_ITEM


@pytest.fixture
def item_data():
    """One complete item as the catalog files hold it (a fresh copy per test)."""
    return copy.deepcopy(BASE_ITEM)


@pytest.fixture
def write_catalog(tmp_path):
    """Write items into a catalog folder and return its path."""

    def write(*items, name="TEST.yaml"):
        (tmp_path / name).write_text(yaml.safe_dump(list(items), allow_unicode=True), "utf-8")
        return tmp_path

    return write
