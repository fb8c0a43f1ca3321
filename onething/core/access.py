"""Who may open a page: decorators for views. Data scoping is each model's `visible_to`; the
unit rule those share is `unit_q`."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from onething.core.models import Role

BUREAU_ROLES = (Role.SUPERVISOR,)  # 区行政审批服务局: supervises every unit
UNIT_STAFF_ROLES = (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN)


def unit_q(user, prefix: str = "") -> Q | None:
    """The records of the unit a staff member works for — their department, else their town —
    as a filter on `<prefix>department_id` / `<prefix>town_id`; None for anyone else."""
    if user.role not in UNIT_STAFF_ROLES:
        return None
    if user.department_id:
        return Q(**{f"{prefix}department_id": user.department_id})
    if user.town_id:
        return Q(**{f"{prefix}town_id": user.town_id})
    return None


def role_required(*roles):
    """Signed-in users whose role is one of `roles`; others get 403 (anonymous: the login)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied("您的角色无权访问此页面")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
