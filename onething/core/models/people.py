"""Users and their roles: applicants (persons, enterprises) and staff."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from onething.core.identity import mask_resident_id


class Role(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人（企业经办人）"
    CLERK = "clerk", "窗口人员"
    REVIEWER = "reviewer", "审批人员"
    DEPARTMENT_ADMIN = "department_admin", "部门管理员"
    SUPERVISOR = "supervisor", "监督人员"
    SYSADMIN = "sysadmin", "系统管理员"


APPLICANT_ROLES = frozenset({Role.PERSON, Role.ENTERPRISE})
STAFF_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN, Role.SUPERVISOR})


class UserQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.SYSADMIN:
            return self.all()
        if user.role == Role.SUPERVISOR:
            return self.filter(Q(role__in=STAFF_ROLES) | Q(pk=user.pk))
        if user.role == Role.DEPARTMENT_ADMIN:
            if user.department_id:
                return self.filter(department_id=user.department_id)
            return self.filter(town_id=user.town_id)
        return self.filter(pk=user.pk)


class OnethingUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """An account. Staff belong to exactly one department or one town; applicants to nobody."""

    display_name = models.CharField("姓名", max_length=40, blank=True)
    role = models.CharField("角色", max_length=20, choices=Role.choices, default=Role.PERSON)
    department = models.ForeignKey(
        "core.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    town = models.ForeignKey(
        "core.Region",
        verbose_name="所属乡镇街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        limit_choices_to={"level": "town"},
    )
    id_number = models.CharField(
        "居民身份证号码",
        max_length=18,
        blank=True,
        db_index=True,
        help_text="自然人本人，或企业的授权经办人",
    )
    credit_code = models.CharField(
        "统一社会信用代码",
        max_length=18,
        blank=True,
        db_index=True,
        help_text="企业用户所代表的企业",
    )
    phone = models.CharField("手机号码", max_length=11, blank=True)

    objects = OnethingUserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self):
        return self.display_name or self.username

    @property
    def is_applicant(self) -> bool:
        return self.role in APPLICANT_ROLES

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def masked_id_number(self) -> str:
        return mask_resident_id(self.id_number) if self.id_number else ""

    @property
    def unit_name(self) -> str:
        if self.department_id:
            return self.department.name
        if self.town_id:
            return self.town.name
        return ""

    def clean(self):
        super().clean()
        if self.role in STAFF_ROLES and bool(self.department_id) == bool(self.town_id):
            raise ValidationError("工作人员必须且只能属于一个部门或一个乡镇街道")
        if self.role == Role.SUPERVISOR and self.town_id:
            raise ValidationError({"town": "监督人员属于区行政审批服务局，不属于乡镇街道"})
        if self.role in APPLICANT_ROLES and (self.department_id or self.town_id):
            raise ValidationError("申请人不属于任何部门或乡镇街道")
        if self.role in APPLICANT_ROLES and not self.id_number:
            raise ValidationError({"id_number": "申请人必须登记居民身份证号码"})
        if self.role == Role.ENTERPRISE and not self.credit_code:
            raise ValidationError({"credit_code": "企业用户必须登记统一社会信用代码"})

    def save(self, *args, **kwargs):
        # Only system administrators use the Django admin.
        self.is_staff = self.is_superuser = self.role == Role.SYSADMIN
        super().save(*args, **kwargs)


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ApiToken(models.Model):
    """A bearer token for an integration. Only the SHA-256 of the key is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "接口令牌"

    def __str__(self):
        return f"{self.prefix}… ({self.user})"
