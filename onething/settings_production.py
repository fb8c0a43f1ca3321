"""Production settings: everything secret or host-specific comes from the environment."""

import os

from .settings import *  # noqa: F403
from .settings import AUTH_PASSWORD_VALIDATORS

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h]

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

ONETHING_REQUIRE_STAFF_OTP = True
ONETHING_REFUSE_DEMO_PASSWORD = True
AUTH_PASSWORD_VALIDATORS = [
    *AUTH_PASSWORD_VALIDATORS,
    {"NAME": "onething.core.auth.DemoPasswordValidator"},
]
