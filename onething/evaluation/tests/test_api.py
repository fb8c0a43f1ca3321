"""The ratings and hotline API: shapes, filters and the one error shape."""

from __future__ import annotations

import pytest

from onething.evaluation.models import Rating

from .conftest import negative, ticket

pytestmark = pytest.mark.django_db

RATING_KEYS = {
    "id", "subject", "level", "level_label", "negative", "channel", "channel_label", "reasons",
    "reason_labels", "text", "status", "created_at", "case_id", "case_number", "ticket_number",
    "service_ref", "window", "item_code", "item_version", "department", "town", "unit_name",
    "region_code", "clerk", "real_name", "rater", "handling",
}  # fmt: skip


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def error_of(response):
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_an_applicant_rates_a_case(client, users, concluded):
    client.force_login(users["citizen"])
    response = post(client, "/api/v1/ratings", {"case_id": concluded.pk, "level": 5})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == RATING_KEYS
    assert body["case_number"] == concluded.number and body["department"] == "SCJG"
    assert body["item_code"] == concluded.item.implementation_code
    assert body["region_code"] == "430112000000" and body["channel"] == "web"
    assert body["rater"] and "*" in body["rater"]  # the rater sees their own, masked
    assert body["handling"] is None
    again = post(client, "/api/v1/ratings", {"case_id": concluded.pk, "level": 4})
    assert again.status_code == 409
    error = error_of(again)
    assert error["code"] == "already_rated" and error["message"] == "该办件已评价"


def test_rating_errors(client, users, concluded, running):
    client.force_login(users["citizen"])
    bad = post(client, "/api/v1/ratings", {"case_id": concluded.pk, "level": 1})
    assert bad.status_code == 422
    error = error_of(bad)
    assert error["message"] == "差评须选择原因并填写具体情况"
    assert set(error["fields"]) == {"reasons", "text"}
    early = post(client, "/api/v1/ratings", {"case_id": running.pk, "level": 5})
    assert early.status_code == 422 and error_of(early)["code"] == "not_rateable"
    assert post(client, "/api/v1/ratings", {"case_id": 0, "level": 5}).status_code == 404
    assert post(client, "/api/v1/ratings", {"case_id": concluded.pk}).status_code == 422
    client.logout()
    assert post(client, "/api/v1/ratings", {"case_id": concluded.pk, "level": 5}).status_code == 401


def test_staff_record_a_hall_rating(client, users):
    client.force_login(users["clerk"])
    response = post(
        client, "/api/v1/ratings",
        {"service_ref": "A001", "window": "1号窗", "channel": "hall_tablet", "level": 4},
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["subject"] == "hall" and body["clerk"] == str(users["clerk"])
    assert body["department"] == "XZSP"
    again = post(client, "/api/v1/ratings", {"service_ref": "A001", "channel": "terminal",
                                             "level": 5})  # fmt: skip
    assert again.status_code == 409 and error_of(again)["message"] == "该次服务已评价"
    other = post(client, "/api/v1/ratings", {"service_ref": "A002", "clerk": "police-reviewer",
                                             "channel": "terminal", "level": 5})  # fmt: skip
    assert other.status_code == 403


def test_the_unit_reads_a_negative_rating_without_the_rater(client, users, concluded):
    rating = negative(concluded, users["citizen"])
    client.force_login(users["reviewer"])
    body = client.get(f"/api/v1/ratings/{rating.pk}").json()
    assert body["rater"] is None and body["real_name"] is True
    assert body["negative"] is True and body["reason_labels"] == ["服务态度差"]
    handling = body["handling"]
    assert handling["state"] == "verifying" and handling["rater_contact"] is None
    assert handling["verify_days"] == 1 and handling["verify_due"] == "2026-10-08"
    assert handling["rectify_due"] == "2026-10-20"
    assert handling["warning"] == "red"  # today is long after 2026-10-08
    assert set(handling["allowed_actions"]) == {"verify", "appeal"}
    client.force_login(users["supervisor"])
    assert "*" in client.get(f"/api/v1/ratings/{rating.pk}").json()["rater"]


def test_rating_filters(client, users, concluded, refused):
    negative(concluded, users["citizen"])  # 2026-09-30
    from onething.evaluation.services import rate_case

    rate_case(users["citizen"], refused, level=5, channel="web")  # now
    client.force_login(users["supervisor"])

    def ids(query):
        response = client.get(f"/api/v1/ratings?{query}")
        assert response.status_code == 200, response.content
        return [r["level"] for r in response.json()["results"]]

    assert sorted(ids("")) == [2, 5]
    assert ids("negative=true") == [2]
    assert ids("negative=false") == [5]
    assert ids("month=2026-09") == [2]
    assert sorted(ids("department=SCJG")) == [2, 5]
    assert ids("department=GA") == []
    bad = client.get("/api/v1/ratings?month=2026-13&department=NOPE")
    assert bad.status_code == 422 and set(error_of(bad)["fields"]) == {"month", "department"}
    page = client.get("/api/v1/ratings?limit=1").json()
    assert len(page["results"]) == 1 and page["next_offset"] == 1


def test_handling_actions_through_the_api(client, users, concluded):
    handling = negative(concluded, users["citizen"]).handling
    url = f"/api/v1/negative-handlings/{handling.pk}"
    client.force_login(users["reviewer"])
    wrong = post(client, f"{url}/rectify", {"outcome": "rectified", "rectification": "x"})
    assert wrong.status_code == 422 and error_of(wrong)["code"] == "action_not_allowed"
    assert "登记核实情况" in error_of(wrong)["message"]
    done = post(client, f"{url}/verify", {"version": 1, "upheld": True, "verification": "属实"})
    assert done.status_code == 200
    assert done.json()["state"] == "rectifying" and done.json()["version"] == 2
    stale = post(client, f"{url}/appeal", {"version": 1, "reason": "恶意"})
    assert stale.status_code == 409 and error_of(stale)["code"] == "conflict"
    assert post(client, f"{url}/nonsense", {}).status_code == 404
    appealed = post(client, f"{url}/appeal", {"version": 2, "reason": "恶意差评"})
    assert appealed.json()["state"] == "appealed"
    refused = post(client, f"{url}/decide-appeal", {"uphold": True, "decision": "成立"})
    assert refused.status_code == 403
    client.force_login(users["supervisor"])
    decided = post(client, f"{url}/decide-appeal", {"uphold": True, "decision": "成立"})
    assert decided.status_code == 200 and decided.json()["state"] == "voided"
    assert Rating.objects.get(pk=handling.rating_id).status == "voided"
    client.force_login(users["town-clerk"])
    assert post(client, f"{url}/verify", {}).status_code == 404


def test_tickets_through_the_api(client, users):
    client.force_login(users["reviewer"])
    denied = post(client, "/api/v1/tickets", {"caller_phone": "13900000000",
                                              "category": "help", "text": "x"})  # fmt: skip
    assert denied.status_code == 403
    client.force_login(users["supervisor"])
    created = post(client, "/api/v1/tickets", {
        "channel": "web", "caller_name": "钱七", "caller_phone": "13900000000",
        "category": "complaint", "text": "噪音扰民", "department": "SCJG",
    })  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    assert body["state"] == "dispatched" and body["department"] == "SCJG"
    assert body["caller"] == "钱* 139****0000"
    assert body["allowed_actions"] == ["reassign"]
    assert [e["action"] for e in body["events"]] == ["intake", "dispatch"]
    invalid = post(client, "/api/v1/tickets", {"caller_phone": "1", "category": "x", "text": ""})
    assert invalid.status_code == 422
    assert {"caller_phone", "category", "text"} <= set(error_of(invalid)["fields"])

    client.force_login(users["reviewer"])
    listed = client.get("/api/v1/tickets?category=complaint").json()["results"]
    assert [t["number"] for t in listed] == [body["number"]]
    assert listed[0]["step"] == "签收" and listed[0]["sign_due"]
    signed = post(client, f"/api/v1/tickets/{body['id']}/sign", {"version": body["version"]})
    assert signed.status_code == 200 and signed.json()["state"] == "signed"
    again = post(client, f"/api/v1/tickets/{body['id']}/sign", {"version": body["version"]})
    assert again.status_code == 409
    returned = post(client, f"/api/v1/tickets/{body['id']}/return", {"reason": "非本单位职责"})
    assert returned.status_code == 200 and returned.json()["state"] == "received"
    assert client.get(f"/api/v1/tickets/{body['id']}").status_code == 404
    bad = client.get("/api/v1/tickets?state=nope&warning=blue")
    assert bad.status_code == 422 and set(error_of(bad)["fields"]) == {"state", "warning"}


def test_the_ticket_list_puts_red_first(client, users):
    from .conftest import D, at

    older = ticket(users, now=at(D(2026, 9, 1)))
    client.force_login(users["supervisor"])
    results = client.get("/api/v1/tickets").json()["results"]
    assert results[0]["id"] == older.pk and results[0]["warning"] == "red"
