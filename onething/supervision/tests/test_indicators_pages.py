"""The indicator pages: the table with met shown in words, a drill-down that lists the towns
without cases under its own heading, its CSV, and who may open them."""

from __future__ import annotations

import re

import pytest

from .test_indicators import TOWNS, load_october

TABLE = "/supervision/indicators/"
TOWNS_DRILLDOWN = "/supervision/indicators/monthly-level-coverage/"


def _section(html: str, heading: str) -> str:
    match = re.search(rf"<h2[^>]*>{heading}（\d+）</h2>(.*?)</section>", html, re.S)
    assert match, heading
    return match.group(1)


@pytest.fixture
def october(users):
    return load_october(users)


def test_the_table_shows_every_indicator_and_whether_it_is_met(client, users, october):
    client.force_login(users["supervisor"])
    html = client.get(f"{TABLE}?period=2026-10").content.decode()
    for name in ("评价层级覆盖率", "月度层级覆盖率", "一个工作日内预审受理率", "好评率"):
        assert name in html
    assert "未达标" in html and "达标" in html
    assert f'href="{TOWNS_DRILLDOWN}?period=2026-10"' in html
    assert 'href="/supervision/indicators/annual-case-volume/?period=2026-10:ytd"' in html
    assert "层级覆盖率=(有办件的部门数+有办件的乡镇街道数+有办件的社区数)" in html


def test_the_level_coverage_drilldown_lists_the_towns_without_cases(client, users, october):
    client.force_login(users["supervisor"])
    response = client.get(f"{TOWNS_DRILLDOWN}?period=2026-10")
    assert response.status_code == 200
    towns = _section(response.content.decode(), "无办件的乡镇街道")
    names = re.findall(r"<td>([^<]*(?:街道|镇))</td>", towns)
    assert len(names) == TOWNS - 2 and "靖港镇" in names
    assert "高塘岭街道" not in names and "铜官街道" not in names


def test_the_drilldown_downloads_as_csv(client, users, october):
    client.force_login(users["supervisor"])
    response = client.get(f"{TOWNS_DRILLDOWN}?period=2026-10&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "indicator-monthly-level-coverage-2026-10.csv" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff分组,代码,名称,所属")
    assert "无办件的乡镇街道,430112106,靖港镇," in text
    assert "无办件的乡镇街道,430112012,铜官街道" not in text


def test_the_drilldown_csv_does_not_let_a_cell_run_as_a_formula(client, users, october):
    """A name that would start a spreadsheet formula is quoted, as in every CSV download."""
    from onething.core.models import Region

    Region.objects.filter(code="430112106").update(name='=HYPERLINK("http://x")镇')
    client.force_login(users["supervisor"])
    text = client.get(f"{TOWNS_DRILLDOWN}?period=2026-10&format=csv").content.decode("utf-8")
    assert '430112106,"\'=HYPERLINK(""http://x"")镇"' in text


def test_a_bad_period_is_explained(client, users):
    client.force_login(users["supervisor"])
    for url in (f"{TABLE}?period=2026-13", f"{TOWNS_DRILLDOWN}?period=x"):
        response = client.get(url)
        assert response.status_code == 422
        assert "统计期有误" in response.content.decode()


@pytest.mark.parametrize("role", ["clerk", "town-clerk", "dept-admin", "admin", "citizen"])
def test_only_supervisors_open_the_pages(client, users, role):
    client.force_login(users[role])
    assert client.get(TABLE).status_code == 403
    assert client.get(f"{TOWNS_DRILLDOWN}?period=2026-10").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(TABLE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_indicator_is_404(client, users):
    client.force_login(users["supervisor"])
    assert client.get("/supervision/indicators/nope/?period=2026-10").status_code == 404


def test_the_current_month_is_the_default(client, users):
    client.force_login(users["supervisor"])
    response = client.get(TABLE)
    assert response.status_code == 200
    assert response.context["period"].kind == "month"
