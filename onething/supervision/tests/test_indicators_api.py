"""The indicators API: shape, the period's validation, who may read it, the drill-down."""

from __future__ import annotations

import pytest

from .test_indicators import COMMUNITIES, DEPARTMENTS, TOWNS, load_october

FIELDS = {
    "code", "name", "period", "period_label", "unit", "numerator", "denominator", "value",
    "value_text", "target", "comparison", "target_text", "met", "met_text", "formula", "counts",
    "source", "drilldown_url", "page_url",
}  # fmt: skip


@pytest.fixture
def october(users):
    return load_october(users)


def test_every_indicator_for_a_month(client, users, october):
    client.force_login(users["supervisor"])
    response = client.get("/api/v1/indicators?period=2026-10")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert len(rows) == 13 and all(set(row) == FIELDS for row in rows.values())
    level = rows["monthly-level-coverage"]
    assert (level["numerator"], level["denominator"]) == (5, DEPARTMENTS + TOWNS + COMMUNITIES)
    assert (level["value"], level["target"], level["met"]) == (round(5 / 225, 4), 1.0, False)
    assert level["drilldown_url"] == (
        "/api/v1/indicators/monthly-level-coverage/drilldown?period=2026-10"
    )
    assert level["page_url"] == "/supervision/indicators/monthly-level-coverage/?period=2026-10"
    volume = rows["annual-case-volume"]
    assert (volume["period"], volume["unit"], volume["denominator"]) == ("2026-10:ytd", "件", None)
    assert volume["drilldown_url"].endswith("?period=2026-10:ytd")
    assert (volume["value"], volume["target"], volume["value_text"]) == (13, 260_000, "13")


@pytest.mark.parametrize(
    ("query", "field"),
    [("?period=2026-13", "period"), ("?period=october", "period"), ("", "period")],
)
def test_a_bad_period_is_422_in_chinese(client, users, query, field):
    client.force_login(users["supervisor"])
    for url in (f"/api/v1/indicators{query}",
                f"/api/v1/indicators/overdue-cases/drilldown{query}"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 422
        error = response.json()["error"]
        assert field in error["fields"]
        assert "统计期" in error["message"] or error["fields"][field] == "必填"


@pytest.mark.parametrize(
    "role", ["clerk", "reviewer", "dept-admin", "town-clerk", "admin", "citizen", "enterprise"]
)
def test_only_supervisors_read_indicators(client, users, role):
    client.force_login(users[role])
    for url in ("/api/v1/indicators?period=2026-10",
                "/api/v1/indicators/monthly-level-coverage/drilldown?period=2026-10"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


def test_anonymous_callers_are_asked_to_sign_in(client):
    assert client.get("/api/v1/indicators?period=2026-10").status_code == 401


def test_the_drilldown_lists_the_towns_without_cases(client, users, october):
    client.force_login(users["supervisor"])
    url = "/api/v1/indicators/monthly-level-coverage/drilldown?period=2026-10"
    body = client.get(url + "&limit=500").json()
    assert body["indicator"]["code"] == "monthly-level-coverage"
    assert body["sections"]["town"] == "无办件的乡镇街道"
    assert [c["key"] for c in body["columns"]] == ["code", "name", "parent"]
    assert body["count"] == (DEPARTMENTS - 2) + (TOWNS - 2) + (COMMUNITIES - 1)
    towns = {r["name"] for r in body["results"] if r["section"] == "town"}
    assert len(towns) == TOWNS - 2 and "靖港镇" in towns and "铜官街道" not in towns
    page = client.get(url + "&limit=5&offset=10").json()
    assert page["count"] == body["count"] and page["results"] == body["results"][10:15]


def test_case_rows_carry_iso_dates(client, users, october):
    client.force_login(users["supervisor"])
    body = client.get("/api/v1/indicators/on-time-conclusion/drilldown?period=2026-10").json()
    due = {r["number"]: r["due"] for r in body["results"]}
    assert due[october["cases"][4].number] == "2026-10-05"


def test_an_unknown_indicator_is_404(client, users):
    client.force_login(users["supervisor"])
    response = client.get("/api/v1/indicators/nope/drilldown?period=2026-10")
    assert response.status_code == 404
    assert "monthly-level-coverage" in response.json()["error"]["message"]
