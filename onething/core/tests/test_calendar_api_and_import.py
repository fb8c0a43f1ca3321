"""The calendar API other tools depend on, and entering a new year's schedule."""

import pytest

from onething.core import services
from onething.core.errors import ServiceError
from onething.core.models import AuditEntry, CalendarYear, WorkCalendarDay

pytestmark = pytest.mark.usefixtures("district")


def test_add_working_days_answers_the_documented_example(client):
    response = client.get("/api/v1/calendar/add-working-days?start=2026-09-24&days=5")
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("start", "days", "due", "provisional")} == {
        "start": "2026-09-24",
        "days": 5,
        "due": "2026-10-09",
        "provisional": False,
    }


def test_working_days_between_answers(client):
    response = client.get("/api/v1/calendar/working-days-between?start=2026-09-24&end=2026-10-09")
    assert response.status_code == 200
    assert response.json()["working_days"] == 5
    assert response.json()["provisional"] is False


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/calendar/add-working-days?start=2026-02-30&days=5", "start"),
        ("/api/v1/calendar/add-working-days?start=tomorrow&days=5", "start"),
        ("/api/v1/calendar/add-working-days?start=2026-09-24&days=-1", "days"),
        ("/api/v1/calendar/add-working-days?start=2026-09-24&days=five", "days"),
        ("/api/v1/calendar/add-working-days?days=5", "start"),
        ("/api/v1/calendar/working-days-between?start=2026-10-09&end=2026-09-24", "end"),
        ("/api/v1/calendar/working-days-between?start=2026-10-09&end=x", "end"),
    ],
)
def test_bad_calendar_input_is_a_422_naming_the_field(client, url, field):
    response = client.get(url)
    assert response.status_code == 422
    error = response.json()["error"]
    assert field in error["fields"]
    assert field in error["message"]


def test_next_year_is_provisional_until_its_schedule_is_entered(client):
    url = "/api/v1/calendar/add-working-days?start=2026-12-31&days=1"
    before = client.get(url).json()
    assert before["provisional"] is True and before["due"] == "2027-01-01"
    services.import_schedule(
        actor=None,
        year=2027,
        source="国办发明电〔2026〕示例号",
        text="2027-01-01 至 2027-01-03 放假 元旦\n2027-02-06 至 2027-02-12 放假 春节\n"
        "2027-02-14 上班 春节调休\n",
    )
    after = client.get(url).json()
    assert after == {**after, "provisional": False, "due": "2027-01-04"}
    assert WorkCalendarDay.objects.get(date="2027-02-14").kind == "adjusted_workday"
    assert AuditEntry.objects.filter(action="core.calendaryear.import").exists()


def test_a_schedule_with_one_bad_line_imports_nothing():
    days_before = WorkCalendarDay.objects.count()
    with pytest.raises(ServiceError) as error:
        services.import_schedule(
            actor=None,
            year=2027,
            source="国办发明电〔2026〕示例号",
            text="2027-01-01 放假 元旦\n2027-02-31 放假 春节\n",
        )
    assert "line 2" in error.value.fields
    assert WorkCalendarDay.objects.count() == days_before
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_the_seeded_calendar_covers_2004_to_2026():
    years = list(CalendarYear.objects.values_list("year", flat=True))
    assert years == list(range(2004, 2027))
    assert WorkCalendarDay.objects.get(date="2026-10-10").is_working_day is True
    assert WorkCalendarDay.objects.get(date="2026-09-25").name == "中秋节"


def test_an_administrator_enters_next_year_in_the_admin(client, users):
    client.force_login(users["admin"])
    url = "/admin/core/calendaryear/import/"
    bad = client.post(
        url,
        {
            "year": 2027,
            "source": "国办发明电〔2026〕示例号",
            "text": "2027-01-01 放假 元旦\n2027-01-09 元旦调休\n",
        },
    )
    assert bad.status_code == 200
    # 9 Jan 2027 is a Saturday, so the line is fine; the error is the missing 放假/上班 word.
    assert "第2行：格式应为" in bad.content.decode()
    assert not CalendarYear.objects.filter(year=2027).exists()
    good = client.post(
        url, {"year": 2027, "source": "国办发明电〔2026〕示例号", "text": "2027-01-01 放假 元旦\n"}
    )
    assert good.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕示例号"
    assert WorkCalendarDay.objects.filter(date__year=2027).count() == 365


def test_other_roles_cannot_reach_the_calendar_import(client, users):
    client.force_login(users["supervisor"])
    response = client.post("/admin/core/calendaryear/import/", {"year": 2027})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not CalendarYear.objects.filter(year=2027).exists()
