"""The dashboard: every chart is a figure with its caption, a decorative chart element, a real
table with the same numbers and a CSV link; the big-screen mode has the same panels; the data
comes from aggregate queries over a hand-built month."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.utils import timezone

from onething.supervision import dashboard, indicators, summary

from .card_factories import AFTER_OCTOBER, OCTOBER, make_case, make_negative, template_case

pytestmark = pytest.mark.usefixtures("district")

URL = "/supervision/dashboard/"


@pytest.fixture
def october(users):
    template = template_case(users)
    # SCJG: 3 decided in October, 2 on time (promised due 10-15); GA: 1 decided late.
    make_case(
        template,
        department="SCJG",
        accepted_on=dt.date(2026, 10, 12),
        decided_on=dt.date(2026, 10, 14),
        submitted_on=dt.date(2026, 10, 12),
    )
    make_case(
        template,
        department="SCJG",
        accepted_on=dt.date(2026, 10, 12),
        decided_on=dt.date(2026, 10, 15),
        submitted_on=dt.date(2026, 10, 12),
    )
    make_case(
        template,
        department="SCJG",
        accepted_on=dt.date(2026, 10, 12),
        decided_on=dt.date(2026, 10, 20),
        submitted_on=dt.date(2026, 10, 12),
    )
    make_case(
        template,
        department="GA",
        accepted_on=dt.date(2026, 10, 12),
        decided_on=dt.date(2026, 10, 21),
        submitted_on=dt.date(2026, 10, 12),
    )
    make_case(
        template,
        town="高塘岭街道",
        accepted_on=dt.date(2026, 9, 7),
        decided_on=dt.date(2026, 9, 8),
        submitted_on=dt.date(2026, 9, 7),
    )
    make_negative(department="WJ", opened_on=dt.date(2026, 10, 12))
    return template  # fmt: skip


def test_cases_per_unit_ranking_and_cards_come_from_the_month(october):
    board = dashboard.build(OCTOBER, today=AFTER_OCTOBER)
    by_unit = board.chart("cases_by_unit")
    assert dict(zip(by_unit.categories, by_unit.series[0].data, strict=True)) == {
        "区市场监管局": 3,
        "区公安分局": 1,
    }
    ranking = board.chart("ranking")
    assert ranking.rows == [
        [1, "区市场监管局", 3, 2, 66.7],
        [2, "区公安分局", 1, 0, 0.0],
    ]
    assert "口径与工作方案指标“按时办结率”相同" in ranking.note
    per_month = board.chart("cases_by_month")
    counts = dict(zip(per_month.categories, per_month.series[0].data, strict=True))
    assert counts["9月"] == 1 and counts["10月"] == 4 and counts["8月"] == 0
    cards = dict(
        zip(board.chart("cards").categories, board.chart("cards").series[0].data, strict=True)
    )
    assert cards == {
        "办件超过承诺时限": 2,
        "差评超期未核实": 1,
        "办件超过法定时限": 0,
        "连续被亮黄牌": 0,
    }
    assert board.card_counts == {"red": 0, "yellow": 3} and not board.cards_issued
    negatives = board.chart("negatives")
    assert dict(zip(negatives.categories, negatives.series[0].data, strict=True))["待核实"] == 1


def test_the_ranking_adds_up_to_the_on_time_indicator(october):
    by_unit = summary.on_time_by_unit(OCTOBER, today=AFTER_OCTOBER)
    result = indicators.compute("on-time-conclusion", indicators.parse_period("2026-10"),
                                today=AFTER_OCTOBER)  # fmt: skip
    assert sum(done for done, _ in by_unit.values()) == result.numerator == 2
    assert sum(concluded for _, concluded in by_unit.values()) == result.denominator == 4


def test_each_chart_has_a_caption_a_hidden_chart_a_table_and_a_csv_link(client, users, october):
    client.force_login(users["supervisor"])
    response = client.get(f"{URL}?period=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    for name in dashboard.CHART_NAMES:
        figure = re.search(rf'<figure class="panel panel-{name}".*?</figure>', html, re.S)
        assert figure, name
        block = figure.group(0)
        assert "<figcaption" in block
        assert f'id="chart-{name}" class="chart chart-' in block and 'aria-hidden="true"' in block
        assert (
            "<table>" in block and "<caption>" in block and "<summary>查看数据表</summary>" in block
        )
        assert f"format=csv&amp;chart={name}" in block
    data = json.loads(
        re.search(
            r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert {c["id"] for c in data["charts"]} == {f"chart-{n}" for n in dashboard.CHART_NAMES}
    # No inline script: the CSP allows scripts from the site only.
    assert re.findall(r"<script(?![^>]*(src=|application/json))", html) == []
    assert "/static/vendor/echarts/echarts.min.js" in html
    # Indicator cards: value against target, 达标 or 未达标, a link to the drill-down.
    cards = re.findall(r'<li class="indicator (met|unmet|unknown)">(.*?)</li>', html, re.S)
    board = dashboard.build(OCTOBER, today=AFTER_OCTOBER)
    assert len(cards) == len(board.indicators) > 5
    level = next(r for r in board.indicators if r["code"] == "monthly-level-coverage")
    assert level["link"] == "/supervision/indicators/monthly-level-coverage/?period=2026-10"
    assert level["met"] == "未达标" and level["target"] == "≥ 100%"
    assert f'<a href="{level["link"]}"><span class="indicator-name">月度层级覆盖率</span>' in html
    for _met, card in cards:
        assert ("达标" in card) or ("无数据" in card), card
    assert "/static/supervision/dashboard.js" in html
    assert dashboard.RANKING_FORMULA in html


def test_big_screen_mode_has_the_same_panels_on_a_dark_page(client, users, october):
    client.force_login(users["supervisor"])
    html = client.get(f"{URL}?period=2026-10&mode=big").content.decode()
    assert 'class="big-screen"' in html and '"theme": "dark"' in html
    for name in dashboard.CHART_NAMES:
        assert f'id="chart-{name}"' in html
    assert html.count("<table>") == len(dashboard.CHART_NAMES)


def test_csv_download_has_the_table_of_the_chart(client, users, october):
    client.force_login(users["supervisor"])
    response = client.get(f"{URL}?period=2026-10&format=csv&chart=ranking")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="ranking-2026-10.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["名次", "单位", "本月办结（件）", "在承诺时限内决定（件）", "按时办结率（%）"],
        ["1", "区市场监管局", "3", "2", "66.7"],
        ["2", "区公安分局", "1", "0", "0.0"],
    ]
    by_unit = client.get(f"{URL}?period=2026-10&format=csv&chart=cases_by_unit").content.decode()
    assert "单位,办件量（件）" in by_unit and "区市场监管局,3" in by_unit
    assert client.get(f"{URL}?period=2026-10&format=csv&chart=nope").status_code == 404


def test_only_the_bureau_opens_the_dashboard(client, users):
    for username in ("reviewer", "dept-admin", "town-clerk", "citizen", "admin"):
        client.force_login(users[username])
        assert client.get(URL).status_code == 403, username
    client.force_login(users["supervisor"])
    assert client.get(URL).status_code == 200
    future = (timezone.localdate().replace(day=1) + dt.timedelta(days=40)).strftime("%Y-%m")
    assert client.get(f"{URL}?period={future}").status_code == 302
    assert client.get(f"{URL}?period=2026-13").status_code == 302
