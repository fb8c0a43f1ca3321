"""Errors that services raise and that the API and pages turn into answers a user can act on.

The API renders each as `{"error": {"code", "message", "fields"}}` with its HTTP status.
"""


class ServiceError(Exception):
    status = 422
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class NotAllowed(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthenticated"


def required_text(data: dict, name: str, label: str, errors: dict, limit: int = 500) -> str:
    """`data[name]` stripped; records in `errors[name]` that it is missing (请填写…) or longer
    than `limit` characters, so a service can list every problem of a form at once."""
    value = str(data.get(name) or "").strip()
    if not value:
        errors[name] = f"请填写{label}"
    elif len(value) > limit:
        errors[name] = f"{label}不能超过{limit}字"
    return value
