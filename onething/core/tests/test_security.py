"""Security baseline: Argon2, login throttling, second factor, headers, CSRF, deploy check."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.usefixtures("district")
DEMO = "onething-demo"


def test_passwords_are_hashed_with_argon2(users):
    assert users["clerk"].password.startswith("argon2")


def test_five_failed_logins_lock_the_account_for_that_address(client, users):
    for _ in range(5):
        client.post("/account/login/", {"username": "clerk", "password": "wrong"})
    response = client.post("/account/login/", {"username": "clerk", "password": DEMO})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_the_token_endpoint_counts_towards_the_lockout(client):
    for _ in range(5):
        bad = client.post(
            "/api/v1/auth/token",
            {"username": "reviewer", "password": "x"},
            content_type="application/json",
        )
        assert bad.status_code in (401, 429)
    locked = client.post(
        "/api/v1/auth/token",
        {"username": "reviewer", "password": DEMO},
        content_type="application/json",
    )
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"


@override_settings(ONETHING_REFUSE_DEMO_PASSWORD=True)
def test_production_settings_refuse_the_demo_password(users):
    request = RequestFactory().post("/account/login/")
    assert authenticate(request=request, username="clerk", password=DEMO) is None


@override_settings(ONETHING_REQUIRE_STAFF_OTP=True)
def test_staff_must_pass_a_second_factor_when_it_is_enforced(client, users):
    client.force_login(users["clerk"])
    response = client.get("/workbench/")
    assert response.status_code == 302 and "/account/second-factor/" in response["Location"]
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/account/second-factor/")
    assert "扫描" in page.content.decode()
    device = TOTPDevice.objects.get(user=users["clerk"])
    wrong = client.post("/account/second-factor/", {"token": "000000"})
    assert "不正确" in wrong.content.decode()
    device.throttle_reset()  # django-otp slows retries after a failure; this is a test
    token = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    ok = client.post("/account/second-factor/?next=/workbench/", {"token": token})
    assert ok.status_code == 302 and ok["Location"] == "/workbench/"
    assert client.get("/workbench/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200


@override_settings(ONETHING_REQUIRE_STAFF_OTP=True)
def test_applicants_are_not_asked_for_a_second_factor(client, users):
    client.force_login(users["citizen"])
    assert client.get("/my/").status_code == 200


def test_pages_carry_csp_and_security_headers(client):
    response = client.get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_forms_refuse_a_post_without_the_csrf_token(users):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post("/account/login/", {"username": "clerk", "password": DEMO}).status_code == 403
    )
    client.force_login(users["clerk"])
    assert client.post("/display/elderly/", {"on": "1"}).status_code == 403


def test_the_deploy_check_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "onething.settings_production",
        "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-for-the-check-" + "y" * 30,
        "ALLOWED_HOSTS": "zwfw.wangcheng.example",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright in tests only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
