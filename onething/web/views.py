"""Portal and workbench pages. Each view reads through the models' visibility rules."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from onething.catalog.models import ServiceItem
from onething.core import notifications
from onething.core.access import role_required
from onething.core.errors import NotFound
from onething.core.models import Department, InboxMessage, Region, Role
from onething.core.models.people import APPLICANT_ROLES, STAFF_ROLES
from onething.web.context_processors import ELDERLY_COOKIE

ONE_YEAR = 365 * 24 * 3600


def home(request):
    from django.conf import settings

    towns = (
        Region.objects.visible_to(request.user)
        .filter(parent__code=settings.ONETHING_DISTRICT_CODE, level=Region.Level.TOWN)
        .filter(valid_to__isnull=True)
        .annotate(community_count=Count("children", filter=Q(children__level="community")))
    )
    return render(
        request,
        "web/home.html",
        {
            "departments": Department.objects.visible_to(request.user),
            "towns": towns,
            "popular": ServiceItem.objects.visible_to(request.user)
            .filter(level=ServiceItem.Level.DISTRICT)
            .order_by("-popularity")[:8],
        },
    )


def region_detail(request, code: str):
    regions = Region.objects.visible_to(request.user)
    region = get_object_or_404(regions.select_related("successor"), code=code)
    ancestors, parent = [], region.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    children = list(regions.filter(parent=region, valid_to__isnull=True))
    return render(
        request,
        "web/region.html",
        {
            "region": region,
            "ancestors": ancestors,
            "children": children,
            "children_label": children[0].get_level_display() if children else "",
            "has_demo_children": any(c.is_demo for c in children),
            "nearby": ServiceItem.objects.visible_to(request.user)
            .filter(region=region, level=ServiceItem.Level.VILLAGE)
            .order_by("-popularity"),
            "park": Department.objects.filter(kind=Department.Kind.PARK).first(),
        },
    )


@role_required(*STAFF_ROLES, Role.SYSADMIN)
def workbench(request):
    return render(
        request,
        "web/workbench.html",
        {
            "can_query_registries": request.user.role in STAFF_ROLES,
            "can_read_audit": request.user.role in (Role.SUPERVISOR, Role.SYSADMIN),
            "can_manage_catalog": request.user.role in STAFF_ROLES,
        },
    )


@role_required(*APPLICANT_ROLES)
def my(request):
    from onething.registries.models import Enterprise, Person

    user = request.user
    return render(
        request,
        "web/my.html",
        {
            "person": Person.objects.visible_to(user)
            .select_related("household_community__parent")
            .first(),
            "enterprise": Enterprise.objects.visible_to(user).first(),
            "latest_messages": InboxMessage.objects.visible_to(user)[:3],
        },
    )


@login_required
def inbox(request):
    """The signed-in user's own messages, newest first."""
    messages = InboxMessage.objects.visible_to(request.user)
    page = Paginator(messages, 30).get_page(request.GET.get("page"))
    return render(request, "web/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def inbox_message(request, pk: int):
    """Mark one's own message read. GET follows its link; POST (标为已读) returns to the inbox."""
    try:
        message = notifications.mark_read(request.user, pk)
    except NotFound:
        raise Http404("没有这条消息") from None
    back = f"{reverse('web:inbox')}#message-{message.pk}"
    if request.method == "POST" or not message.link:
        return redirect(back)
    safe = url_has_allowed_host_and_scheme(message.link, {request.get_host()}, request.is_secure())
    return redirect(message.link if safe else back)


@require_POST
def elderly_mode(request):
    """Switch elderly mode (large type, high contrast, 60×60 targets); remembered for a year."""
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("web:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        ELDERLY_COOKIE,
        "1" if request.POST.get("on") == "1" else "0",
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure(),
    )
    return response


def not_found(request, exception=None):
    """404 in the caller's format: the API's error shape under /api/, a page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": {"code": "not_found", "message": "接口不存在", "fields": {}}}, status=404
        )
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "error": {
                    "code": "server_error",
                    "message": "服务器内部错误，请稍后再试",
                    "fields": {},
                }
            },
            status=500,
        )
    return render(request, "500.html", status=500)
