"""Applications and cases (申请与办件).

One application (for one handling item, or for a bundle) becomes one case per handling item,
each routed to its department or town and handled in parallel. A case stores its clock — when it
was received and accepted, its limits with their units, its pauses and its extension — and its
deadlines are derived from that clock and the work calendar (`clock.py`) whenever they are read.
`due_on` is only the sort key of the workbench, refreshed from the clock at every transition.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from onething.core.access import BUREAU_ROLES, unit_q
from onething.core.identity import mask_name, mask_resident_id
from onething.core.models import Role
from onething.core.models.immutable import WriteOnceModel, WriteOnceQuerySet

from .workflow import State

# The bureau supervises every case. System administrators run the platform but, as with the
# registries, do not read people's applications.


def _applicant_filter(user, prefix: str = "") -> Q:
    """An applicant's own records: those they applied for, and those applied for on their
    behalf under their ID number (assisted service) or their enterprise's credit code."""
    own = Q(**{f"{prefix}applicant_user": user})
    if user.role == Role.ENTERPRISE and user.credit_code:
        own |= Q(
            **{f"{prefix}applicant_kind": "enterprise", f"{prefix}applicant_code": user.credit_code}
        )
    elif user.id_number:
        own |= Q(**{f"{prefix}applicant_kind": "person", f"{prefix}applicant_code": user.id_number})
    return own


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role in BUREAU_ROLES:
            return self.all()
        if user.is_applicant:
            return self.filter(_applicant_filter(user))
        staff = unit_q(user, "cases__")  # cases routed to their unit
        if staff is None:
            return self.none()
        return self.filter(staff | Q(submitted_by=user)).distinct()


class Application(models.Model):
    """What an applicant submits once: one handling item, or one bundle."""

    class Kind(models.TextChoices):
        PERSON = "person", "自然人"
        ENTERPRISE = "enterprise", "法人"

    class Status(models.TextChoices):
        OPEN = "open", "办理中"
        CONCLUDED = "concluded", "已办结"
        WITHDRAWN = "withdrawn", "已撤回"

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申请"
        ASSISTED = "assisted", "帮代办"

    class Delivery(models.TextChoices):
        ELECTRONIC = "electronic", "电子送达"
        PICKUP = "pickup", "窗口领取"
        EXPRESS = "express", "邮寄送达"

    number = models.CharField("申请编号", max_length=20, unique=True)
    applicant_kind = models.CharField("申请人类型", max_length=12, choices=Kind.choices)
    applicant_code = models.CharField("申请人证件号码", max_length=18, db_index=True)
    applicant_name = models.CharField("申请人", max_length=100)
    applicant_phone = models.CharField("联系电话", max_length=11, blank=True)
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        on_delete=models.PROTECT,
        related_name="submitted_applications",
    )
    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    consent = models.CharField("委托代办同意记录", max_length=300, blank=True)
    bundle = models.ForeignKey(
        "bundles.Bundle", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bundle_version = models.ForeignKey(
        "bundles.BundleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guidance_answers = models.JSONField("导办答案", default=dict, blank=True)
    form_data = models.JSONField("申请表", default=dict)
    prefill_sources = models.JSONField("预填来源", default=dict, blank=True)
    delivery_method = models.CharField(
        "送达方式", max_length=12, choices=Delivery.choices, default=Delivery.ELECTRONIC
    )
    delivery_address = models.CharField("邮寄地址", max_length=200, blank=True)
    delivery_tracking = models.CharField("快递单号", max_length=40, blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    idempotency_key = models.CharField(max_length=80)
    request_hash = models.CharField(max_length=64)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "申请"
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"], name="application_idempotent"
            )
        ]

    def __str__(self):
        return self.number

    @property
    def title(self) -> str:
        if self.bundle_id:
            return self.bundle.name
        first = self.cases.first()
        return first.handling_item.name if first else self.number

    @property
    def masked_applicant(self) -> str:
        if self.applicant_kind == self.Kind.PERSON:
            return f"{mask_name(self.applicant_name)}（{mask_resident_id(self.applicant_code)}）"
        return f"{self.applicant_name}（{self.applicant_code}）"


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role in BUREAU_ROLES:
            return self.all()
        if user.is_applicant:
            return self.filter(_applicant_filter(user, "application__"))
        staff = unit_q(user)
        if staff is None:
            return self.none()
        # The clerk who submitted for someone (assisted service) follows that application.
        return self.filter(staff | Q(application__submitted_by=user))


class Case(models.Model):
    """One handling item of an application, handled by one department or town."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "准予"
        DENIED = "denied", "不予"

    class Route(models.TextChoices):
        NORMAL = "normal", "一般程序"
        INSTANT = "instant", "秒批"
        COMMITMENT = "commitment", "告知承诺"
        ON_THE_SPOT = "on_the_spot", "即办"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField("办件编号", max_length=20, unique=True)
    handling_item = models.ForeignKey(
        "catalog.HandlingItem",
        verbose_name="业务办理项",
        on_delete=models.PROTECT,
        related_name="+",
    )
    item = models.ForeignKey(
        "catalog.ServiceItem", verbose_name="事项", on_delete=models.PROTECT, related_name="cases"
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion", verbose_name="事项版本", on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name="办理部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    town = models.ForeignKey(
        "core.Region",
        verbose_name="办理乡镇街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    state = models.CharField("状态", max_length=14, choices=State.choices, db_index=True)
    route = models.CharField("办理方式", max_length=12, choices=Route.choices, default=Route.NORMAL)
    decision = models.CharField("决定", max_length=10, choices=Decision.choices, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    # The clock.
    submitted_at = models.DateTimeField("提交时间", db_index=True)
    received_on = models.DateField("收件日期")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    deemed_accepted = models.BooleanField("视为受理", default=False)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)
    case_type = models.CharField("办件类型", max_length=10)
    statutory_days = models.PositiveIntegerField("法定时限")
    statutory_unit = models.CharField("法定时限单位", max_length=12)
    promised_days = models.PositiveIntegerField("承诺时限")
    promised_unit = models.CharField("承诺时限单位", max_length=12)
    extension_days = models.PositiveSmallIntegerField("延长工作日", default=0)
    pauses = models.JSONField("计时暂停", default=list, blank=True)
    due_on = models.DateField("当前环节期限（排序用）", null=True, blank=True)
    # What the applicant was asked and what was checked.
    correction_items = models.JSONField("补正内容", default=list, blank=True)
    facts_checked = models.JSONField("秒批核验事实", default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "办件"
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["department", "state", "due_on"], name="case_dept_queue"),
            models.Index(fields=["town", "state", "due_on"], name="case_town_queue"),
            models.Index(fields=["department", "due_on", "id"], name="case_dept_due"),
            models.Index(fields=["state", "due_on"], name="case_state_due"),
            models.Index(fields=["due_on", "id"], name="case_due"),
            models.Index(fields=["town", "due_on", "id"], name="case_town_due"),
            models.Index(fields=["item", "submitted_at"], name="case_item_month"),
        ]

    def __str__(self):
        return self.number

    @property
    def unit_name(self) -> str:
        if self.department_id:
            return self.department.name
        return self.town.name if self.town_id else ""


class CaseEventQuerySet(WriteOnceQuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))


class CaseEvent(WriteOnceModel):
    """One step of a case's timeline, worded for the applicant."""

    refuse_change = "办件记录写入后不能修改"
    refuse_delete = "办件记录不能删除"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField("经办人", max_length=60)
    action = models.CharField("操作", max_length=30)
    from_state = models.CharField(max_length=14, blank=True)
    to_state = models.CharField(max_length=14)
    message = models.CharField("说明", max_length=500)
    data = models.JSONField(default=dict, blank=True)

    objects = CaseEventQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "办件记录"
        ordering = ["case", "at", "id"]

    def __str__(self):
        return f"{self.case} {self.action}"


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))


class Notice(models.Model):
    """A formal written notice, numbered per department and year (望审受〔2026〕123号). Its
    PDF is rendered from `context` whenever it is downloaded, so it is always the same text."""

    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", "受理通知书"
        CORRECTION = "correction", "补正材料通知书"
        REFUSAL = "refusal", "不予受理决定书"
        APPROVAL = "approval", "准予行政许可决定书"
        DENIAL = "denial", "不予行政许可决定书"
        EXTENSION = "extension", "延长期限告知书"
        SPECIAL = "special", "特别程序告知书"
        REVOCATION = "revocation", "撤销行政许可决定书"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField("文书", max_length=12, choices=Kind.choices)
    number = models.CharField("文号", max_length=40, unique=True)
    issued_at = models.DateTimeField("印发时间")
    context = models.JSONField("内容")

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "文书"
        ordering = ["case", "issued_at", "id"]

    def __str__(self):
        return f"{self.title} {self.number}"

    @property
    def title(self) -> str:
        """The document's title: 准予行政许可决定书 for a licence, 准予办理决定书 otherwise."""
        from onething.cases.notices import notice_title

        return notice_title(self)


class SequenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Internal counters: only system administrators look at them."""
        if user.is_authenticated and user.role == Role.SYSADMIN:
            return self.all()
        return self.none()


class Sequence(models.Model):
    """Counters for application, case and notice numbers (one row per series and year)."""

    key = models.CharField(max_length=60, unique=True)
    value = models.PositiveIntegerField(default=0)

    objects = SequenceQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "编号序列"

    def __str__(self):
        return f"{self.key}={self.value}"


class UploadQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role in BUREAU_ROLES:
            return self.all()
        attached = Q(attachments__case__in=Case.objects.visible_to(user))
        return self.filter(attached | Q(owner=user)).distinct()


class Upload(models.Model):
    """A file an applicant uploaded, stored outside the web root under a random name."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="uploads"
    )
    original_name = models.CharField("文件名", max_length=200)
    stored_name = models.CharField(max_length=80, unique=True)
    kind = models.CharField("类型", max_length=8)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    objects = UploadQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "上传文件"

    def __str__(self):
        return self.original_name


class CaseMaterialQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))


class CaseMaterial(models.Model):
    """A material one case needs, and how it was provided. One upload serves every case of the
    application that needs the same material."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "已上传"
        REGISTRY = "registry", "共享数据获取，免提交"
        LICENSE = "license", "电子证照获取，免提交"
        COMMITMENT = "commitment", "以告知承诺替代"
        MISSING = "missing", "未提交"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=200)
    required = models.BooleanField("必要", default=True)
    status = models.CharField("提供方式", max_length=12, choices=Status.choices)
    upload = models.ForeignKey(
        Upload, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )

    objects = CaseMaterialQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "办件材料"
        ordering = ["case", "id"]

    def __str__(self):
        return self.name


class VerificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(case__in=Case.objects.visible_to(user))


class CommitmentVerification(models.Model):
    """The after-the-fact check of a commitment (告知承诺事后核查)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待核查"
        CONFIRMED = "confirmed", "核查属实"
        FALSE = "false", "承诺不实"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="verification")
    commitment_text = models.TextField("承诺内容")
    waived = models.JSONField("承诺替代的材料", default=list)
    method = models.CharField("核查方式", max_length=20)
    due_on = models.DateField("核查期限", db_index=True)
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    finding = models.CharField("核查结论", max_length=500, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    objects = VerificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "承诺核查"

    def __str__(self):
        return f"{self.case} 承诺核查"
