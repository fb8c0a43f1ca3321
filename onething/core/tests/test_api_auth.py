"""Token authentication for integrations, session authentication for the browser."""

import pytest

from onething.core.models import ApiToken, AuditEntry

pytestmark = pytest.mark.usefixtures("district")
DEMO = "onething-demo"


def test_a_token_from_username_and_password_authenticates_later_calls(client):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "reviewer", "password": DEMO},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["user"]["role"] == "reviewer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["department"] == "SCJG"
    assert not ApiToken.objects.filter(key_hash=token).exists()  # only the hash is stored
    assert AuditEntry.objects.filter(action="core.apitoken.create").exists()


def test_a_revoked_token_no_longer_works(client):
    token = client.post(
        "/api/v1/auth/token",
        {"username": "clerk", "password": DEMO},
        content_type="application/json",
    ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_wrong_credentials_answer_in_the_one_error_shape(client):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "clerk", "password": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "invalid_credentials", "message": "用户名或密码错误", "fields": {}}
    }


def test_a_missing_field_is_named(client):
    response = client.post(
        "/api/v1/auth/token", {"username": "clerk"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"password": "必填"}


def test_without_credentials_protected_endpoints_answer_401(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_the_session_api_needs_the_csrf_token_for_writes(users):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["clerk"])
    assert browser.get("/api/v1/me").status_code == 200
    assert browser.delete("/api/v1/auth/token").status_code in (401, 403)


def test_an_unknown_api_path_answers_in_the_error_shape(client):
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/no-such-page/").status_code == 404
