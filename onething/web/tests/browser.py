"""Helpers for browser tests: sign in through the real form, and audit with axe-core."""

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
_axe = Axe()


def assert_accessible(page, label: str = ""):
    """axe-core with the WCAG 2.2 AA rule set reports zero violations on the current page."""
    results = _axe.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    assert results.violations_count == 0, f"{label or page.url}\n{results.generate_report()}"


def sign_in(page, live_server, username: str, password: str = "onething-demo"):
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
