"""Authentication pieces: the password backend, the demo-password guard, the lockout answer."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import render


class PasswordBackend(ModelBackend):
    """Username and password; refuses the published demo password where settings say so."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if settings.ONETHING_REFUSE_DEMO_PASSWORD and password == settings.ONETHING_DEMO_PASSWORD:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class DemoPasswordValidator:
    """Production refuses the demo password, which is printed by `make run` for everyone."""

    def validate(self, password, user=None):
        if password == settings.ONETHING_DEMO_PASSWORD:
            raise ValidationError("不能使用公开的演示密码", code="demo_password")

    def get_help_text(self):
        return "不能使用公开的演示密码。"


def lockout_response(request, credentials=None, *args, **kwargs):
    """Answer after too many failed logins (django-axes), in the caller's format."""
    message = "登录失败次数过多，账号已临时锁定，请15分钟后再试"
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "locked_out", "message": message, "fields": {}}}, status=429
        )
    return render(request, "web/locked_out.html", {"message": message}, status=429)
