"""Settings for development, tests and the demo (`make run`).

Production overrides live in `settings_production.py`; everything a deployment changes comes from
the environment (DATABASE_URL, DJANGO_SECRET_KEY, ALLOWED_HOSTS).
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ONETHING_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-onething-0f3b9c2e")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "onething.core",
    "onething.registries",
    "onething.catalog",
    "onething.bundles",
    "onething.cases",
    "onething.evaluation",
    "onething.supervision",
    "onething.web",
    "onething.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "onething.core.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "onething.urls"
WSGI_APPLICATION = "onething.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onething.web.context_processors.display_preferences",
                "onething.web.context_processors.inbox",
            ],
        },
    },
]

# SQLite (WAL, set once after migrate) by default; PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=600,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: it compiled the indicators' large CASE expressions for seconds (9.2 s instead of
    # 0.8 s for a year; benchmarks/RESULTS.md, indicators), and short OLTP queries never gain.
    DATABASES["default"]["OPTIONS"] = {"options": "-c jit=off"}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "onething.core.auth.PasswordBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Login throttling: 5 failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "onething.core.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Apache ECharts, installed from npm at set-up (`make echarts`, a pinned version), never committed.
STATICFILES_DIRS = [
    ("vendor/echarts", BASE_DIR / "var" / "npm" / "node_modules" / "echarts" / "dist"),
]

# Applicants' uploaded materials: outside the web root, served only by a view that checks
# visibility (onething.cases.uploads).
ONETHING_UPLOAD_ROOT = Path(os.environ.get("ONETHING_UPLOAD_ROOT", VAR_DIR / "uploads"))
ONETHING_UPLOAD_MAX_FILE = 10 * 1024 * 1024
# The portal's public address, put in front of links sent by SMS (rating links).
ONETHING_PUBLIC_URL = os.environ.get("ONETHING_PUBLIC_URL", "http://127.0.0.1:8000")
ONETHING_UPLOAD_MAX_APPLICATION = 50 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 60 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- onething's own settings -------------------------------------------------------------
# The reference district. GB/T 2260 code of 望城区, Changsha.
ONETHING_DISTRICT_CODE = "430112"
# The region list is loaded from the shared reference file at set-up, never retyped.
ONETHING_REGIONS_CSV = Path(
    os.environ.get(
        "ONETHING_REGIONS_CSV",
        BASE_DIR.parent / "shared" / "reference" / "regions-changsha-zhuzhou-xiangtan.csv",
    )
)
# Demo accounts use this password; production settings refuse it.
ONETHING_DEMO_PASSWORD = "onething-demo"
ONETHING_REFUSE_DEMO_PASSWORD = False
# Staff must pass a TOTP second factor (enforced in production settings).
ONETHING_REQUIRE_STAFF_OTP = False
# Bearer tokens for integrations expire after this long.
ONETHING_API_TOKEN_LIFETIME = timedelta(days=30)
# How each notification channel is sent: a class with `send(message)` that raises on failure.
# SMS only goes to the log until a gateway's sender is configured here.
ONETHING_NOTIFICATION_SENDERS = {
    "sms": "onething.core.notifications.ConsoleSender",
    "email": "onething.core.notifications.DjangoEmailSender",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # ConsoleSender writes messages here at INFO: visible in development.
    "loggers": {"onething.notifications": {"level": "INFO"}},
}
