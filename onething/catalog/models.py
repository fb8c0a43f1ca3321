"""The service-item catalog (政务服务事项目录): items, handling items, materials, versions.

`ServiceItem` and its handling items and materials always hold the *published* state, which is
what the public searches and reads. Edits are `ItemDraft`s (draft → in review → published);
publishing applies the draft and freezes the whole item as an immutable `ItemVersion`, which
cases and ratings reference.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from onething.core.models import Department, Region, Role
from onething.core.models.immutable import WriteOnceModel, WriteOnceQuerySet
from onething.core.models.organisation import PublicQuerySet


class LimitUnit(models.TextChoices):
    WORKING_DAY = "working_day", "工作日"
    CALENDAR_DAY = "calendar_day", "自然日"
    HOUR = "hour", "小时"


class ItemKind(models.Model):
    """The item-kind code table; the national one by default (provinces differ)."""

    code = models.CharField("代码", max_length=2, unique=True)
    name = models.CharField("名称", max_length=20)
    on_application = models.BooleanField(
        "依申请类",
        default=False,
        help_text="依申请6类（许可、确认、裁决、给付、奖励、其他行政权力）及公共服务",
    )

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事项类型"
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class ServiceItem(models.Model):
    """One implementation of a catalog item by one unit (实施清单中的一项)."""

    class Level(models.IntegerChoices):
        NATIONAL = 1, "国家级"
        PROVINCE = 2, "省级"
        CITY = 3, "市级"
        DISTRICT = 4, "县级"
        TOWN = 5, "乡级"
        VILLAGE = 6, "村级"

    class CaseType(models.TextChoices):
        IMMEDIATE = "immediate", "即办件"
        PROMISED = "promised", "承诺件"

    class OnlineDepth(models.IntegerChoices):
        I = 1, "Ⅰ级（网上咨询）"  # noqa: E741
        II = 2, "Ⅱ级（网上预约、下载表格）"
        III = 3, "Ⅲ级（网上预审、网上受理）"
        IV = 4, "Ⅳ级（全程网办）"

    base_code = models.CharField("基本编码", max_length=12, db_index=True)
    implementation_code = models.CharField("实施编码", max_length=31, unique=True)
    name = models.CharField("事项名称", max_length=200)
    kind = models.ForeignKey(ItemKind, verbose_name="事项类型", on_delete=models.PROTECT)
    level = models.PositiveSmallIntegerField("行使层级", choices=Level.choices)
    department = models.ForeignKey(
        Department,
        verbose_name="实施部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    region = models.ForeignKey(
        Region, verbose_name="实施区划", on_delete=models.PROTECT, related_name="items"
    )
    implementing_unit = models.CharField("实施主体", max_length=100)
    implementing_credit_code = models.CharField("实施主体统一社会信用代码", max_length=18)
    for_person = models.BooleanField("面向自然人", default=False)
    for_enterprise = models.BooleanField("面向法人", default=False)
    legal_basis = models.TextField("设定依据")
    conditions = models.TextField("受理条件", blank=True)
    statutory_days = models.PositiveIntegerField("法定时限")
    statutory_unit = models.CharField(
        "法定时限单位", max_length=12, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAY
    )
    statutory_note = models.CharField("法定时限说明", max_length=300, blank=True)
    promised_days = models.PositiveIntegerField("承诺时限")
    promised_unit = models.CharField(
        "承诺时限单位", max_length=12, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAY
    )
    promised_note = models.CharField("承诺时限说明", max_length=300, blank=True)
    case_type = models.CharField("办件类型", max_length=10, choices=CaseType.choices)
    visits = models.PositiveSmallIntegerField("到办事现场次数")
    online_depth = models.PositiveSmallIntegerField("网办深度", choices=OnlineDepth.choices)
    special_procedures = models.JSONField("特别程序", default=list, blank=True)
    fees = models.JSONField("收费", default=list, blank=True)
    steps = models.JSONField("办理流程", default=list, blank=True)
    place = models.CharField("办理地点", max_length=300, blank=True)
    hours = models.CharField("办理时间", max_length=300, blank=True)
    phone = models.CharField("咨询电话", max_length=40, blank=True)
    complaint_phone = models.CharField("监督投诉电话", max_length=40, blank=True)
    online_url = models.CharField("网办地址", max_length=300, blank=True)
    in_hall = models.BooleanField("进驻政务大厅", default=True)
    express = models.BooleanField("支持物流快递", default=False)
    online_payment = models.BooleanField("支持网上支付", default=False)
    appointment = models.BooleanField("支持预约办理", default=False)
    terminal = models.BooleanField("支持自助终端", default=False)
    cross_region_mode = models.CharField("跨域通办模式", max_length=40, blank=True)
    cross_region_partners = models.JSONField("通办区域", default=list, blank=True)
    intermediary_services = models.JSONField("中介服务", default=list, blank=True)
    result_type = models.CharField("审批结果类型", max_length=20, blank=True)
    result_name = models.CharField("审批结果名称", max_length=200, blank=True)
    result_sample = models.BooleanField("有结果样本", default=False)
    topics_person = models.JSONField("自然人主题", default=list, blank=True)
    topics_enterprise = models.JSONField("法人主题", default=list, blank=True)
    keywords = models.JSONField("检索关键词", default=list, blank=True)
    faqs = models.JSONField("常见问题", default=list, blank=True)
    popularity = models.PositiveIntegerField("热度", default=0, db_index=True)
    illustrative = models.JSONField(
        "示意字段", default=list, blank=True, help_text="演示数据中并非取自官方清单的字段"
    )
    # Search columns, computed on publish (pinyin at query time costs ~200 µs per name).
    search_words = models.TextField(editable=False, default="")
    pinyin_full = models.TextField(editable=False, default="")
    pinyin_initials = models.TextField(editable=False, default="")
    facets = models.TextField(editable=False, default="", help_text="|主题|…| for filtering")
    current_version = models.ForeignKey(
        "ItemVersion",
        verbose_name="当前版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "政务服务事项"
        ordering = ["implementation_code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(online_depth=4) | models.Q(visits=0),
                name="item_full_online_means_no_visit",
                violation_error_message="网办深度为Ⅳ级（全程网办）的事项，到现场次数必须为0",
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.implementing_unit}）"

    @property
    def kind_label(self) -> str:
        return self.kind.name


class HandlingItem(models.Model):
    """业务办理项: the concrete variant a case targets (设立 / 变更 / 延续 / 注销 …)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="handling_items")
    code = models.CharField("业务办理项编码", max_length=34, unique=True)
    name = models.CharField("名称", max_length=200)
    variant = models.CharField("办理类型", max_length=10)
    sort_order = models.PositiveSmallIntegerField(default=0)
    form_fields = models.JSONField(
        "申请表字段",
        default=list,
        blank=True,
        help_text="本办理项特有的申请表字段；申请人的姓名、证件号码等由系统从登记信息中补充",
    )
    approval_rule = models.JSONField(
        "秒批规则",
        null=True,
        blank=True,
        help_text="规则语言写成的即时审批条件，作用于登记信息和申请表字段",
    )
    commitment = models.JSONField(
        "告知承诺",
        null=True,
        blank=True,
        help_text="告知承诺制（国办发〔2020〕42号）：承诺书正文、可免交的材料、核查期限和方式",
    )

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "业务办理项"
        ordering = ["item", "sort_order"]

    def __str__(self):
        return self.name


class Material(models.Model):
    class Form(models.TextChoices):
        PAPER = "paper", "纸质"
        ELECTRONIC = "electronic", "电子"
        BOTH = "both", "纸质或电子"

    class Replacement(models.TextChoices):
        LICENSE = "license", "可用电子证照替代"
        SHARED_DATA = "shared_data", "可通过数据共享获取"

    handling_item = models.ForeignKey(
        HandlingItem, on_delete=models.CASCADE, related_name="materials"
    )
    code = models.CharField("材料编码", max_length=37)
    name = models.CharField("材料名称", max_length=200)
    kind = models.CharField("材料类型", max_length=10)
    form = models.CharField("材料形式", max_length=10, choices=Form.choices)
    required = models.BooleanField("必要性", default=True)
    source = models.CharField("来源渠道", max_length=20)
    originals = models.PositiveSmallIntegerField("原件份数", default=0)
    copies = models.PositiveSmallIntegerField("复印件份数", default=0)
    blank_form = models.BooleanField("有空白表格", default=False)
    sample = models.BooleanField("有示例样表", default=False)
    acceptance_standard = models.CharField("受理标准", max_length=300, blank=True)
    legal_basis = models.CharField("设定依据", max_length=300, blank=True)
    replaceable_by = models.CharField(
        "免提交方式", max_length=12, choices=Replacement.choices, blank=True
    )
    situation = models.CharField("适用情形", max_length=200, blank=True)
    notes = models.CharField("备注", max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "申请材料"
        ordering = ["handling_item", "sort_order"]

    def __str__(self):
        return self.name


class ItemVersionQuerySet(WriteOnceQuerySet, PublicQuerySet):
    pass


class ItemVersion(WriteOnceModel):
    """An immutable, published state of one item with its handling items and materials."""

    refuse_change = "已发布的事项版本不能修改"
    refuse_delete = "已发布的事项版本不能删除"

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    snapshot = models.JSONField("内容")
    published_at = models.DateTimeField("发布时间", default=timezone.now, db_index=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField("修订说明", max_length=300, blank=True)

    objects = ItemVersionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事项版本"
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_number_unique")
        ]

    def __str__(self):
        return f"{self.item.name} 第{self.number}版"


class ItemDraftQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role in (Role.SUPERVISOR, Role.SYSADMIN):
            return self.all()
        if user.role in (Role.CLERK, Role.REVIEWER, Role.DEPARTMENT_ADMIN):
            if user.department_id:
                return self.filter(department_id=user.department_id)
            return self.filter(region_id=user.town_id)
        return self.none()


class ItemDraft(models.Model):
    """A pending edit of an item (or a new item): the whole item as data, until published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        IN_REVIEW = "in_review", "待审核"
        PUBLISHED = "published", "已发布"
        REJECTED = "rejected", "已退回"

    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.CASCADE, related_name="drafts"
    )
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField("内容")
    base_version = models.PositiveIntegerField(
        "起草时的版本",
        null=True,
        blank=True,
        help_text="发布时若事项已有更新版本则拒绝，避免覆盖他人修改",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="空：由目录文件导入",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    note = models.CharField("修订说明", max_length=300, blank=True)

    objects = ItemDraftQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "事项草稿"
        ordering = ["-updated_at"]

    def __str__(self):
        return f"{self.data.get('name', '新事项')}（{self.get_status_display()}）"


class Synonym(models.Model):
    """Search synonyms, editable by administrators: 身份证 ↔ 居民身份证, 社保 ↔ 社会保障."""

    term = models.CharField("词", max_length=40, db_index=True)
    alias = models.CharField("同义词", max_length=40, db_index=True)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "检索同义词"
        constraints = [models.UniqueConstraint(fields=["term", "alias"], name="synonym_unique")]

    def __str__(self):
        return f"{self.term} ↔ {self.alias}"


class Delegation(models.Model):
    """赋权: an item's power delegated to a town or to the park, with date and document."""

    item = models.ForeignKey(
        ServiceItem, verbose_name="原实施事项", on_delete=models.PROTECT, related_name="delegations"
    )
    to_department = models.ForeignKey(
        Department,
        verbose_name="承接园区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    to_town = models.ForeignKey(
        Region,
        verbose_name="承接乡镇街道",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        limit_choices_to={"level": "town"},
    )
    delegated_on = models.DateField("赋权日期")
    document = models.CharField("赋权文件", max_length=200)
    is_illustrative = models.BooleanField("示意数据", default=False)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "赋权事项"
        ordering = ["-delegated_on", "item"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_department__isnull=True) ^ models.Q(to_town__isnull=True),
                name="delegation_to_exactly_one_unit",
                violation_error_message="赋权对象须为一个园区或一个乡镇街道",
            )
        ]

    def __str__(self):
        return f"{self.item.name} → {self.to_department or self.to_town}"
