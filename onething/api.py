"""The one API at /api/v1/: authentication, the error shape, and every app's router."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from onething.core.errors import ServiceError


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` from POST /api/v1/auth/token, for integrations."""

    def authenticate(self, request, token):
        from onething.core.services import user_for_api_key

        user = user_for_api_key(token)
        if user is not None:
            request.user = user
        return user


class VerifiedSessionAuth(SessionAuth):
    """The browser's session (with CSRF); staff need their second factor where it is enforced."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        if settings.ONETHING_REQUIRE_STAFF_OTP and not user.is_applicant:
            return user if user.is_verified() else None
        return user


api = NinjaAPI(
    title="onething 政务服务平台 API",
    version="1",
    description='望城区政务服务平台接口。错误统一为 `{"error": {"code", "message", "fields"}}`。',
    docs_url="/docs",
    auth=[VerifiedSessionAuth(), BearerTokenAuth()],
    urls_namespace="api",
)


def error_response(request, status: int, code: str, message: str, fields=None):
    return api.create_response(
        request,
        {"error": {"code": code, "message": message, "fields": fields or {}}},
        status=status,
    )


_PYDANTIC_MESSAGES = {
    "missing": "必填",
    "date_from_datetime_parsing": "不是有效日期，格式应为 YYYY-MM-DD",
    "date_parsing": "不是有效日期，格式应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "不是有效日期，格式应为 YYYY-MM-DD",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "string_too_short": "太短",
    "string_too_long": "太长",
    "greater_than_equal": "数值太小",
    "less_than_equal": "数值太大",
    "json_invalid": "不是有效的 JSON",
}


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields = {}
    for error in exc.errors:
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("query", "body", "path", "payload")
        ]
        name = ".".join(location) or "request"
        fields[name] = _PYDANTIC_MESSAGES.get(error.get("type"), error.get("msg", "无效"))
    names = "、".join(fields)
    return error_response(request, 422, "invalid", f"参数有误：{names}", fields)


@api.exception_handler(ServiceError)
def on_service_error(request, exc: ServiceError):
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc):
    return error_response(request, 401, "unauthenticated", "请先登录，或提供有效的接口令牌")


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error_response(request, 403, "forbidden", "无权访问")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", "未找到，或无权查看")


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, "error", str(exc))


api.add_router("/", "onething.core.api.router")
api.add_router("/registries/", "onething.registries.api.router")
api.add_router("/", "onething.catalog.api.router")
api.add_router("/", "onething.bundles.api.router")
api.add_router("/", "onething.cases.api.router")
api.add_router("/", "onething.evaluation.api.router")
api.add_router("/", "onething.evaluation.hotline_api.router")
api.add_router("/", "onething.supervision.api.router")
