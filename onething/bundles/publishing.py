"""State changes of bundles: publishing a definition as a new immutable version, loading the
demo bundles, and recording guidance sessions. Each runs in one transaction with an audit
record (sessions are counters of use, not decisions: they are not audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from onething.bundles.definitions import check_definition
from onething.bundles.loader import DATA_DIR, resolve_all
from onething.bundles.models import Bundle, BundleVersion, GuidanceSession
from onething.core.errors import Conflict, NotAllowed, ServiceError
from onething.core.models import Role, User
from onething.core.services import record_audit

FIELDS = ("name", "audience", "life_event", "summary", "you_need", "definition")


def may_publish(user) -> bool:
    """Bundles go live only through a reviewer: the lead bureau's department administrator, a
    supervisor or a system administrator. Clerks of the bureau draft, check and try them."""
    if user.role in (Role.SUPERVISOR, Role.SYSADMIN):
        return True
    return (
        user.role == Role.DEPARTMENT_ADMIN and bool(user.department_id) and user.department.is_lead
    )


def publish_bundle(
    *,
    actor: User | None,
    data: dict,
    note: str = "",
    base_version: int | None = None,
    request=None,
) -> Bundle:
    """Create or replace a bundle's published state from `data` (the stored shape) as its next
    version. Refuses, changing nothing, when the definition has any problem."""
    if actor is not None and not may_publish(actor):
        raise NotAllowed("发布一件事须由区行政审批服务局的部门管理员或监督人员审核")
    problems = check_definition(data["definition"])
    if problems:
        raise ServiceError(
            f"一件事“{data.get('name', '')}”有{len(problems)}处问题，未发布", fields=problems
        )
    with transaction.atomic():
        bundle = Bundle.objects.select_for_update().filter(slug=data["slug"]).first()
        before = bundle.current_version.number if bundle and bundle.current_version_id else 0
        if base_version is not None and base_version != before:
            raise Conflict(f"编辑期间已有人发布了第{before}版，请在新版本基础上重新修改")
        if bundle is None:
            bundle = Bundle(slug=data["slug"])
        for name in FIELDS:
            setattr(bundle, name, data[name])
        bundle.full_clean(exclude=["current_version"])
        bundle.save()
        version = BundleVersion.objects.create(
            bundle=bundle, number=before + 1, note=note,
            snapshot={name: data[name] for name in FIELDS},
            published_by=actor if actor and actor.is_authenticated else None,
        )  # fmt: skip
        bundle.current_version = version
        bundle.save(update_fields=["current_version"])
        record_audit(
            actor=actor, action="bundles.bundle.publish", obj=bundle, request=request,
            before={"version": before or None}, after={"version": version.number, "note": note},
        )  # fmt: skip
    return bundle


def load_bundles(directory=DATA_DIR) -> int:
    """Publish every demo bundle not yet published; returns how many were added."""
    existing = set(Bundle.objects.values_list("slug", flat=True))
    added = 0
    with transaction.atomic():
        for data in resolve_all(directory):
            if data["slug"] in existing:
                continue
            publish_bundle(actor=None, data=data, note="初始发布")
            added += 1
    return added


def remember_answers(*, bundle: Bundle, answers: dict, user=None, session_key: str = "",
                     complete: bool = False) -> GuidanceSession:  # fmt: skip
    """Keep a questionnaire's answers: a signed-in applicant resumes them later; every run
    counts towards the bundle's metrics (started, completed)."""
    owner = user if user is not None and user.is_authenticated else None
    lookup = {"bundle": bundle, "converted_at__isnull": True}
    lookup.update({"user": owner} if owner else {"session_key": session_key, "user": None})
    with transaction.atomic():
        session = (
            GuidanceSession.objects.select_for_update().filter(**lookup).order_by("-id").first()
        )
        if session is None:
            session = GuidanceSession(
                bundle=bundle, user=owner, session_key="" if owner else session_key
            )
        session.answers = answers
        if complete and session.completed_at is None:
            session.completed_at = timezone.now()
        session.save()
    return session
