"""The registered fact catalogs over the base registries: "enterprise" (法人库) and "person"
(人口库). Plain data naming models and fields by string, so this module imports no Django."""

from onething.rules.facts import (
    BOOLEAN,
    DATE,
    NUMBER,
    SET,
    SOURCE_DERIVED,
    SOURCE_REGISTRY,
    TEXT,
    Fact,
    SetRelation,
    catalog,
    register_catalog,
)

# Kept equal to the choices of registries.EnterpriseQualification.Kind (a test checks).
QUALIFICATION_KINDS = (
    "专精特新中小企业",
    "科技型中小企业",
    "规模以上工业企业",
    "高新技术企业",
    "创新型中小企业",
)
ENTITY_TYPES = {
    "llc": "有限责任公司",
    "joint_stock": "股份有限公司",
    "sole_proprietorship": "个人独资企业",
    "partnership": "合伙企业",
    "branch": "分公司",
    "individual_business": "个体工商户",
    "cooperative": "农民专业合作社",
}
ENTERPRISE_STATUSES = {
    "active": "存续",
    "revoked": "吊销",
    "cancelled": "注销",
    "moved_out": "迁出",
}
TAX_CREDIT_RATINGS = {"A": "A级", "B": "B级", "M": "M级", "C": "C级", "D": "D级"}


def _choice(name, label, path, choices: dict) -> Fact:
    """A text fact over a column with choices, explained by their Chinese names."""
    return _registry(name, label, TEXT, path, values=tuple(choices), value_labels=choices)


def _registry(name, label, kind, path, **extra) -> Fact:
    return Fact(name=name, label=label, type=kind, source=SOURCE_REGISTRY, orm_path=path, **extra)


ENTERPRISE = register_catalog(
    catalog(
        "enterprise",
        "法人库企业信息",
        [
            _registry("employees", "从业人数", NUMBER, "employees", unit="人"),
            _registry("registered_capital", "注册资本", NUMBER, "registered_capital", unit="万元"),
            _registry("industry_code", "行业代码", TEXT, "industry_code"),
            _registry("established_on", "成立日期", DATE, "established_on"),
            _registry("in_park", "是否在望城经开区", BOOLEAN, "in_park"),
            _choice("tax_credit_rating", "纳税信用等级", "tax_credit_rating", TAX_CREDIT_RATINGS),
            _registry("is_high_tech", "高新技术企业", BOOLEAN, "is_high_tech"),
            _choice("status", "登记状态", "status", ENTERPRISE_STATUSES),
            _choice("entity_type", "市场主体类型", "entity_type", ENTITY_TYPES),
            Fact(
                name="qualifications",
                label="企业资质",
                type=SET,
                values=QUALIFICATION_KINDS,
                source=SOURCE_REGISTRY,
                relation=SetRelation(
                    model="registries.EnterpriseQualification",
                    key="credit_code",
                    value="kind",
                    outer_key="credit_code",
                ),
            ),
        ],
        model="registries.Enterprise",
    )
)

SEXES = {"male": "男", "female": "女"}
MARITAL_STATUSES = {"unmarried": "未婚", "married": "已婚", "divorced": "离婚", "widowed": "丧偶"}

PERSON = register_catalog(
    catalog(
        "person",
        "人口库个人信息",
        [
            _registry("birth_date", "出生日期", DATE, "birth_date"),
            _choice("sex", "性别", "sex", SEXES),
            _choice("marital_status", "婚姻状况", "marital_status", MARITAL_STATUSES),
            _registry("death_date", "死亡日期", DATE, "death_date"),
            Fact(
                name="deceased",
                label="是否已死亡",
                type=BOOLEAN,
                source=SOURCE_DERIVED,
                presence_of="death_date",
            ),
            _registry(
                "household_town", "户籍地乡镇街道", TEXT, "household_community__parent__name"
            ),
        ],
        model="registries.Person",
    )
)
