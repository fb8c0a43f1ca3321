"""Base registries (基础库): the population and legal-entity registries, synthetic but shaped
like the real ones. Staff reads of a full record state a purpose and are audited (services)."""

from django.db import models
from django.db.models import Q

from onething.core.identity import mask_name, mask_phone, mask_resident_id
from onething.core.models import Region, Role

# Department staff serve the whole district; town staff their own town; nobody else browses.
_DISTRICT_WIDE = (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN, Role.SUPERVISOR)


class PersonQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.PERSON or user.role == Role.ENTERPRISE:
            return self.filter(id_number=user.id_number) if user.id_number else self.none()
        if user.role in _DISTRICT_WIDE and user.town_id:
            return self.filter(household_community__parent_id=user.town_id)
        if user.role in _DISTRICT_WIDE:
            return self.all()
        return self.none()


class Person(models.Model):
    """A person in the population registry (人口库)."""

    class Sex(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class MaritalStatus(models.TextChoices):
        UNMARRIED = "unmarried", "未婚"
        MARRIED = "married", "已婚"
        DIVORCED = "divorced", "离婚"
        WIDOWED = "widowed", "丧偶"

    id_number = models.CharField("居民身份证号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=40, db_index=True)
    sex = models.CharField("性别", max_length=6, choices=Sex.choices)
    birth_date = models.DateField("出生日期")
    household_community = models.ForeignKey(
        Region,
        verbose_name="户籍地村（社区）",
        on_delete=models.PROTECT,
        related_name="+",
    )
    phone = models.CharField("手机号码", max_length=11, blank=True)
    marital_status = models.CharField("婚姻状况", max_length=10, choices=MaritalStatus.choices)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    is_synthetic = models.BooleanField("合成数据", default=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "人口库"
        ordering = ["id"]

    def __str__(self):
        return f"{mask_name(self.name)}（{mask_resident_id(self.id_number)}）"

    @property
    def masked(self) -> dict:
        """What any list shows: never the full number, name or phone."""
        return {
            "id_number": mask_resident_id(self.id_number),
            "name": mask_name(self.name),
            "sex": self.get_sex_display(),
            "phone": mask_phone(self.phone),
        }


class EnterpriseQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(credit_code=user.credit_code) if user.credit_code else self.none()
        if user.role in _DISTRICT_WIDE and user.town_id:
            return self.filter(town_id=user.town_id)
        if user.role in _DISTRICT_WIDE:
            return self.all()
        return self.none()


class Enterprise(models.Model):
    """A legal entity in the legal-entity registry (法人库)."""

    class EntityType(models.TextChoices):
        LLC = "llc", "有限责任公司"
        JOINT_STOCK = "joint_stock", "股份有限公司"
        SOLE_PROPRIETORSHIP = "sole_proprietorship", "个人独资企业"
        PARTNERSHIP = "partnership", "合伙企业"
        BRANCH = "branch", "分公司"
        INDIVIDUAL_BUSINESS = "individual_business", "个体工商户"
        COOPERATIVE = "cooperative", "农民专业合作社"

    class TaxCredit(models.TextChoices):
        A = "A", "A级"
        B = "B", "B级"
        M = "M", "M级"
        C = "C", "C级"
        D = "D", "D级"

    class Status(models.TextChoices):
        ACTIVE = "active", "存续（在营、开业、在册）"
        REVOKED = "revoked", "吊销"
        CANCELLED = "cancelled", "注销"
        MOVED_OUT = "moved_out", "迁出"

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=100, db_index=True)
    entity_type = models.CharField("类型", max_length=24, choices=EntityType.choices)
    legal_rep_id_number = models.CharField("法定代表人身份证号码", max_length=18)
    legal_rep_name = models.CharField("法定代表人", max_length=40)
    industry_code = models.CharField("行业代码（GB/T 4754）", max_length=5, db_index=True)
    registered_capital = models.DecimalField("注册资本（万元）", max_digits=14, decimal_places=2)
    employees = models.PositiveIntegerField("从业人数")
    established_on = models.DateField("成立日期")
    town = models.ForeignKey(
        Region, verbose_name="所在乡镇街道", on_delete=models.PROTECT, related_name="+"
    )
    in_park = models.BooleanField("在望城经开区内", default=False)
    tax_credit_rating = models.CharField("纳税信用等级", max_length=1, choices=TaxCredit.choices)
    is_high_tech = models.BooleanField("高新技术企业", default=False)
    status = models.CharField("登记状态", max_length=12, choices=Status.choices)
    is_synthetic = models.BooleanField("合成数据", default=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "法人库"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_credit_rating__in=["A", "B", "M", "C", "D"]),
                name="enterprise_tax_credit_rating_valid",
            )
        ]

    def __str__(self):
        return self.name


class EnterpriseQualificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(credit_code=user.credit_code) if user.credit_code else self.none()
        if user.role in _DISTRICT_WIDE and user.town_id:
            towns = Enterprise.objects.filter(town_id=user.town_id).values("credit_code")
            return self.filter(credit_code__in=towns)
        if user.role in _DISTRICT_WIDE:
            return self.all()
        return self.none()


class EnterpriseQualification(models.Model):
    """A recognised qualification of an enterprise (专精特新、科技型中小企业…), the set fact
    `qualifications` of the rule language. Refers to the enterprise by credit code, not by a
    foreign key: the legal-entity registry is replaced wholesale when it is loaded."""

    class Kind(models.TextChoices):
        SPECIALISED = "专精特新中小企业", "专精特新中小企业"
        TECH_SME = "科技型中小企业", "科技型中小企业"
        ABOVE_SCALE = "规模以上工业企业", "规模以上工业企业"
        HIGH_TECH = "高新技术企业", "高新技术企业"
        INNOVATIVE_SME = "创新型中小企业", "创新型中小企业"

    credit_code = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    kind = models.CharField("资质", max_length=16, choices=Kind.choices)
    is_synthetic = models.BooleanField("合成数据", default=True)

    objects = EnterpriseQualificationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业资质"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code", "kind"], name="enterprise_qualification_unique"
            )
        ]

    def __str__(self):
        return f"{self.credit_code} {self.kind}"


class RegistryLoadQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.is_authenticated and user.role in (Role.SUPERVISOR, Role.SYSADMIN):
            return self.all()
        return self.none()


class RegistryLoad(models.Model):
    """What the generator loaded, so loading again with the same seed and size changes nothing."""

    dataset = models.CharField(max_length=20, unique=True)
    seed = models.IntegerField()
    size = models.PositiveIntegerField()
    loaded_at = models.DateTimeField(auto_now=True)

    objects = RegistryLoadQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "基础库载入记录"

    def __str__(self):
        return f"{self.dataset} seed={self.seed} size={self.size}"


class CreditRecordQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Applicants see their own records; staff and the bureau see all (credit records are
        shared across departments for joint discipline, 联合惩戒)."""
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.ENTERPRISE:
            return self.filter(subject_code=user.credit_code) if user.credit_code else self.none()
        if user.role == Role.PERSON:
            return self.filter(subject_code=user.id_number) if user.id_number else self.none()
        return self.all()

    def barring(self):
        """Records that bar commitment-based approval until repaired (国办发〔2020〕42号)."""
        return self.filter(repaired_at__isnull=True)


class CreditRecord(models.Model):
    """A dishonesty record against a person or an enterprise: a false commitment found by a
    verification, or a serious dishonesty listing. It bars commitment-based approval until the
    credit is repaired (信用修复)."""

    class Kind(models.TextChoices):
        FALSE_COMMITMENT = "false_commitment", "虚假承诺"
        SERIOUS_DISHONESTY = "serious_dishonesty", "严重失信"

    subject_code = models.CharField("身份证号码或统一社会信用代码", max_length=18, db_index=True)
    subject_name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    reason = models.CharField("事由", max_length=500)
    source = models.CharField("来源", max_length=100)
    recorded_at = models.DateTimeField("记录时间")
    repaired_at = models.DateTimeField("修复时间", null=True, blank=True)
    repair_note = models.CharField("修复说明", max_length=300, blank=True)

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "信用记录"
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.subject_name} {self.get_kind_display()}"
