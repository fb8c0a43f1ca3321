"""Test set-up shared by every app: a small demo district loaded once per session, users by
role, and Playwright driving Debian's Chromium (see shared/design/TESTING.md)."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still work.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

TEST_PEOPLE, TEST_ENTERPRISES, TEST_SEED = 400, 60, 1


def load_test_district(*, catalog: bool = True):
    from onething.demo.services import load_demo_district

    return load_demo_district(
        people=TEST_PEOPLE, enterprises=TEST_ENTERPRISES, seed=TEST_SEED, catalog=catalog
    )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_test_district()


@pytest.fixture
def district(db):
    """The demo district; reloaded when a browser test (which flushes the database) ran before."""
    from onething.core.models import User

    if not User.objects.filter(username="admin").exists():
        # After a browser test emptied the database; browser tests publish the items they use.
        load_test_district(catalog=False)


@pytest.fixture
def users(district):
    """The fixed demo accounts by username."""
    from onething.core.models import User

    return {u.username: u for u in User.objects.select_related("department", "town")}


def pytest_collection_modifyitems(items):
    # Browser tests flush the database (live server); run them last so others keep the
    # session's district.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# --- Browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.fail("Debian's chromium is not installed: run `make browser-deps`")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected into the page; a strict CSP would block it.
    return {**browser_context_args, "bypass_csp": True, "locale": "zh-CN"}


@pytest.fixture(autouse=True)
def _private_upload_root(settings, tmp_path_factory):
    """Uploaded materials go to a temporary directory, never into the checkout."""
    settings.ONETHING_UPLOAD_ROOT = tmp_path_factory.getbasetemp() / "uploads"
