"""Deterministic synthetic rows for the population and legal-entity registries.

Pure: imports nothing from Django, so it can be timed and tested without a database. The same
seed, size, inputs and `asof` date give the same rows, value for value, in the same order.
Every resident ID passes GB 11643 (check digit, birth date, a region code that was in force in
the birth year) and every credit code passes GB 32100, through `onething.core.identity`.

Rows are tuples whose fields are the model's columns in `PERSON_COLUMNS` / `ENTERPRISE_COLUMNS`
order, with the Python values the ORM would be given (str, bool, int, date, Decimal, None);
the loader only adapts them to its database driver.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from bisect import bisect
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import accumulate
from typing import NamedTuple

from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from onething.core.identity import credit_code_from_parts, resident_id_from_parts

# --- Inputs and rows -----------------------------------------------------------------------


class CommunityRef(NamedTuple):
    """A community (村/社区) a person's household can be registered in."""

    id: int
    name: str


class TownRef(NamedTuple):
    """A town (乡镇街道) an enterprise can be located in."""

    id: int
    name: str


class LegalRep(NamedTuple):
    """A living adult of the population registry who can represent an enterprise."""

    id_number: str
    name: str
    birth_date: dt.date


PERSON_COLUMNS = (
    "id_number", "name", "sex", "birth_date", "household_community_id", "phone",
    "marital_status", "death_date", "is_synthetic",
)  # fmt: skip


class PersonRow(NamedTuple):
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    household_community_id: int
    phone: str
    marital_status: str
    death_date: dt.date | None
    is_synthetic: bool


ENTERPRISE_COLUMNS = (
    "credit_code", "name", "entity_type", "legal_rep_id_number", "legal_rep_name",
    "industry_code", "registered_capital", "employees", "established_on", "town_id", "in_park",
    "tax_credit_rating", "is_high_tech", "status", "is_synthetic",
)  # fmt: skip


class EnterpriseRow(NamedTuple):
    credit_code: str
    name: str
    entity_type: str
    legal_rep_id_number: str
    legal_rep_name: str
    industry_code: str
    registered_capital: Decimal
    employees: int
    established_on: dt.date
    town_id: int
    in_park: bool
    tax_credit_rating: str
    is_high_tech: bool
    status: str
    is_synthetic: bool


class _Weighted:
    """Items with weights, drawn by one `rng.random()` and a bisection (fast, deterministic)."""

    __slots__ = ("cum", "items", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.items = [item for item, _ in pairs]
        self.cum = list(accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def pick(self, rng: random.Random):
        return self.items[bisect(self.cum, rng.random() * self.total)]


def _weighted(spec: str) -> _Weighted:
    """'刘 9 李 8 …' → weighted items."""
    parts = spec.split()
    return _Weighted([(parts[i], float(parts[i + 1])) for i in range(0, len(parts), 2)])


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- Population ----------------------------------------------------------------------------

# The district's own codes: 望城县 until it became 望城区 in 2011 (stdnum accepts both for 2011).
HOME_CODES = ("430122", "430112")
HOME_SHARE = 0.85
# People registered in 望城 but born elsewhere in Hunan: places, each with every code it has
# had, and a weight (neighbouring counties weigh more).
OTHER_BIRTH_PLACES: tuple[tuple[tuple[str, ...], float], ...] = (
    (("430124", "430182"), 3.0),  # 宁乡县 → 宁乡市 (2017)
    (("430624",), 3.0),  # 湘阴县
    (("430121",), 2.0),  # 长沙县
    (("430104",), 2.0),  # 西区 → 岳麓区
    (("430105",), 2.0),  # 北区 → 开福区
    (("430102",), 1.0),  # 东区 → 芙蓉区
    (("430103",), 1.0),  # 南区 → 天心区
    (("430111",), 1.0),  # 郊区 → 雨花区
    (("430123", "430181"), 1.0),  # 浏阳县 → 浏阳市 (1993)
    (("430681",), 1.5),  # 汨罗市
    (("430903",), 1.5),  # 赫山区
    (("430321",), 1.0),  # 湘潭县
    (("430381",), 1.0),  # 湘乡市
    (("430981",), 1.0),  # 沅江市
    (("430421",), 1.0),  # 衡阳县
    (("431321",), 1.0),  # 双峰县
    (("430522",), 1.0),  # 新邵县
    (("430723",), 0.5),  # 澧县
)

# Age pyramid in 5-year bands (last band 95–100): roughly the 2020 census shape moved on to the
# mid-2020s, with the smaller cohorts born after 2017.
AGE_BANDS = (
    ((0, 4), 45), ((5, 9), 75), ((10, 14), 88), ((15, 19), 85), ((20, 24), 73),
    ((25, 29), 74), ((30, 34), 90), ((35, 39), 122), ((40, 44), 97), ((45, 49), 90),
    ((50, 54), 110), ((55, 59), 115), ((60, 64), 95), ((65, 69), 68), ((70, 74), 64),
    ((75, 79), 40), ((80, 84), 23), ((85, 89), 12), ((90, 94), 5), ((95, 100), 1.2),
)  # fmt: skip
MAX_AGE = 100
MALE_SHARE = 0.51

# Common surnames, weighted towards those frequent in Hunan.
SURNAMES = _weighted(
    "刘 9 李 8 陈 7.5 王 7 张 6.5 彭 5 谭 4.5 周 4.5 黄 4.5 罗 4 杨 4 邓 3.5 唐 3.5 胡 3 何 3 "
    "曾 3 易 2.5 赵 2.5 吴 2.5 肖 2.5 蒋 2 龙 2 贺 2 廖 2 袁 2 文 2 许 1.5 戴 1.5 朱 1.5 "
    "孙 1.2 谢 1.5 姚 1.2 汤 1.2 颜 1 向 1 夏 1 熊 1.2 雷 1 钟 1 万 0.8 邹 1 段 0.8 严 0.8 "
    "毛 0.8 范 0.8 郭 1.2 高 1 林 1 徐 1.2 欧阳 0.3 司马 0.05"
)
# Given-name characters by sex; older generations drew more often from the second lists.
MALE_CHARS = "伟强军勇杰磊涛斌超明刚平辉鹏华飞鑫波宇浩俊峰文志海林亮宏健翔凯晨阳博睿轩航哲铭浩然子"
FEMALE_CHARS = "芳娟敏静丽艳娜霞燕玲婷红梅琳莉兰萍雪慧颖洁倩欣怡佳琪雨萱涵诗悦思可妍欣瑶晴"
OLDER_MALE_CHARS = "建国华明德福贵生荣忠新春良金树庆财保军民兴"
OLDER_FEMALE_CHARS = "秀英桂兰淑珍凤芝玉翠云莲春梅素琴菊花香"

# Mainland mobile number segments (号段) of the three carriers.
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195", "198",
    "199",
)  # fmt: skip

# (min age, share with a death record) — a small share that grows with age.
DEATH_SHARE = ((90, 0.30), (80, 0.16), (70, 0.07), (60, 0.025), (50, 0.008), (0, 0.002))
DEATH_WINDOW_DAYS = 3652  # deaths recorded in the last ten years

# (min age, married, divorced, widowed); the rest are unmarried. Women's widowhood is higher.
MARITAL_BY_AGE = (
    (80, 0.45, 0.01, 0.50), (70, 0.70, 0.02, 0.25), (60, 0.84, 0.03, 0.10),
    (50, 0.89, 0.04, 0.03), (40, 0.89, 0.05, 0.01), (35, 0.87, 0.05, 0.003),
    (30, 0.78, 0.04, 0.0), (25, 0.50, 0.02, 0.0), (0, 0.15, 0.0, 0.0),
)  # fmt: skip
MARRIAGE_AGE = {"male": 22, "female": 20}  # 民法典 第一千零四十七条


def birth_codes_by_year(
    places: Sequence[Sequence[str]], first_year: int, last_year: int
) -> dict[int, list[tuple[int, tuple[str, ...]]]]:
    """For each year, the places with the codes a person born that year may carry.

    Asks python-stdnum once per code and year (not once per person): a code is valid for a
    birth year when `stdnum.cn.ric.get_birth_place` accepts it.
    """
    table: dict[int, list[tuple[int, tuple[str, ...]]]] = {}
    for year in range(first_year, last_year + 1):
        entries = []
        for index, codes in enumerate(places):
            valid = tuple(code for code in codes if _code_valid_in(code, year))
            if valid:
                entries.append((index, valid))
        table[year] = entries
    return table


def _code_valid_in(code: str, year: int) -> bool:
    try:
        ric.get_birth_place(resident_id_from_parts(code, dt.date(year, 1, 1), 1))
    except StdnumError:
        return False
    return True


def generate_people(
    *,
    seed: int,
    size: int,
    communities: Sequence[CommunityRef],
    asof: dt.date | None = None,
) -> Iterator[PersonRow]:
    """Yield `size` people registered in `communities`, as of `asof` (default today).

    Streams: memory grows with the number of distinct (region, birth date, sex) triples, not
    with the rows. ID numbers are unique: each triple has its own sequence counter, odd for
    men and even for women.
    """
    if size and not communities:
        raise ValueError("no communities to register people in")
    if not size:
        return
    asof = asof or dt.date.today()
    rng = random.Random(f"{seed}:population")
    asof_ord = asof.toordinal()

    # Urban communities (社区) are larger than villages (村); each also varies on its own.
    community_choice = _Weighted(
        [
            (c.id, (2.2 if c.name.endswith("社区") else 1.0) * rng.lognormvariate(0, 0.35))
            for c in communities
        ]
    )

    first_year = asof.year - MAX_AGE - 1
    places = (HOME_CODES, *(codes for codes, _ in OTHER_BIRTH_PLACES))
    codes_by_year = {
        year: dict(entries)
        for year, entries in birth_codes_by_year(places, first_year, asof.year).items()
    }
    # A place is chosen first, by its weight; born before it had a valid code → born at home.
    other_place = _Weighted([(index, w) for index, (_, w) in enumerate(OTHER_BIRTH_PLACES, 1)])

    # Birth ordinal ranges per age band (inclusive), computed exactly from the calendar.
    band_ranges = []
    for (lo, hi), weight in AGE_BANDS:
        youngest = years_before(asof, lo)
        oldest = years_before(asof, hi + 1) + dt.timedelta(days=1)
        band_ranges.append(((oldest.toordinal(), youngest.toordinal()), weight))
    band_choice = _Weighted(band_ranges)

    counters: dict[tuple[str, int, bool], int] = {}
    for _ in range(size):
        male = rng.random() < MALE_SHARE
        sex = "male" if male else "female"
        while True:
            lo_ord, hi_ord = band_choice.pick(rng)
            birth_ord = lo_ord + int(rng.random() * (hi_ord - lo_ord + 1))
            birth = dt.date.fromordinal(birth_ord)
            valid = codes_by_year[birth.year]
            codes = valid[0]
            if rng.random() >= HOME_SHARE:
                codes = valid.get(other_place.pick(rng), codes)
            region = codes[0] if len(codes) == 1 else codes[int(rng.random() * len(codes))]
            sequence = _next_sequence(rng, counters, (region, birth_ord, male))
            if sequence:
                break
        id_number = resident_id_from_parts(region, birth, sequence)
        age = age_on(birth, asof)

        death = None
        for min_age, share in DEATH_SHARE:
            if age >= min_age:
                if rng.random() < share and birth_ord < asof_ord:
                    death_ord = rng.randint(
                        max(birth_ord + 1, asof_ord - DEATH_WINDOW_DAYS), asof_ord
                    )
                    death = dt.date.fromordinal(death_ord)
                break
        lived_age = age_on(birth, death) if death else age

        yield PersonRow(
            id_number,
            _person_name(rng, male, birth.year),
            sex,
            birth,
            community_choice.pick(rng),
            _phone(rng, lived_age),
            _marital_status(rng, sex, lived_age),
            death,
            True,
        )


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


# Sequence slots: men take odd 001–999 (500 slots), women even 002–998 (499 slots).
_SLOTS = {True: 500, False: 499}


def _next_sequence(rng: random.Random, counters: dict, key: tuple[str, int, bool]) -> int:
    """The next unused sequence number of `key`, or 0 when all its numbers are taken.

    Each key starts at a random slot (real numbers do not all begin at 001) and counts up,
    wrapping, so no number repeats. The state is packed into one int: start * 1024 + used.
    """
    male = key[2]
    slots = _SLOTS[male]
    state = counters.get(key)
    if state is None:
        state = int(rng.random() * slots) * 1024
    start, used = divmod(state, 1024)
    if used >= slots:
        return 0
    counters[key] = state + 1
    slot = (start + used) % slots
    return 2 * slot + (1 if male else 2)


def _person_name(rng: random.Random, male: bool, birth_year: int) -> str:
    surname = SURNAMES.pick(rng)
    if birth_year < 1975 and rng.random() < 0.6:
        pool = OLDER_MALE_CHARS if male else OLDER_FEMALE_CHARS
    else:
        pool = MALE_CHARS if male else FEMALE_CHARS
    # One-character given names were most common among people born 1970–1999.
    single = 0.3 if 1970 <= birth_year < 2000 else 0.12
    if rng.random() < single:
        return surname + pool[int(rng.random() * len(pool))]
    size = len(pool)
    return surname + pool[int(rng.random() * size)] + pool[int(rng.random() * size)]


def _phone(rng: random.Random, age: int) -> str:
    # Young children and many of the very old have no phone of their own.
    if age < 12:
        without = 0.95
    elif age < 18:
        without = 0.4
    elif age < 70:
        without = 0.03
    elif age < 80:
        without = 0.25
    else:
        without = 0.55
    if rng.random() < without:
        return ""
    prefix = MOBILE_PREFIXES[int(rng.random() * len(MOBILE_PREFIXES))]
    return f"{prefix}{int(rng.random() * 100_000_000):08d}"


def _marital_status(rng: random.Random, sex: str, age: int) -> str:
    if age < MARRIAGE_AGE[sex]:
        return "unmarried"
    _, married, divorced, widowed = next(row for row in MARITAL_BY_AGE if age >= row[0])
    if sex == "female":
        extra = widowed * 0.5
        widowed, married = widowed + extra, married - extra
    draw = rng.random()
    if draw < married:
        return "married"
    if draw < married + divorced:
        return "divorced"
    if draw < married + divorced + widowed:
        return "widowed"
    return "unmarried"


# --- Legal entities ------------------------------------------------------------------------

# GB/T 4754-2017 divisions used here: code → name.
INDUSTRY_DIVISIONS = {
    "A01": "农业",
    "A03": "畜牧业",
    "A04": "渔业",
    "A05": "农、林、牧、渔专业及辅助性活动",
    "C13": "农副食品加工业",
    "C14": "食品制造业",
    "C15": "酒、饮料和精制茶制造业",
    "C18": "纺织服装、服饰业",
    "C21": "家具制造业",
    "C23": "印刷和记录媒介复制业",
    "C26": "化学原料和化学制品制造业",
    "C27": "医药制造业",
    "C29": "橡胶和塑料制品业",
    "C30": "非金属矿物制品业",
    "C33": "金属制品业",
    "C34": "通用设备制造业",
    "C35": "专用设备制造业",
    "C36": "汽车制造业",
    "C38": "电气机械和器材制造业",
    "C39": "计算机、通信和其他电子设备制造业",
    "C40": "仪器仪表制造业",
    "D44": "电力、热力生产和供应业",
    "E47": "房屋建筑业",
    "E48": "土木工程建筑业",
    "E49": "建筑安装业",
    "E50": "建筑装饰、装修和其他建筑业",
    "F51": "批发业",
    "F52": "零售业",
    "G54": "道路运输业",
    "G59": "装卸搬运和仓储业",
    "H61": "住宿业",
    "H62": "餐饮业",
    "I64": "互联网和相关服务",
    "I65": "软件和信息技术服务业",
    "K70": "房地产业",
    "L72": "商务服务业",
    "M75": "科技推广和应用服务业",
    "O80": "居民服务业",
    "O81": "机动车、电子产品和日用产品修理业",
}

# Words a company name uses for its industry (行业表述).
COMPANY_WORDS = {
    "A01": "农业开发 生态农业 农业科技", "A03": "养殖 牧业", "A04": "水产 渔业",
    "A05": "农机服务 植保服务", "C13": "粮油 米业 农产品加工", "C14": "食品",
    "C15": "茶业 酒业 饮品", "C18": "服饰 制衣", "C21": "家具 家居", "C23": "印务 包装印刷",
    "C26": "化工 新材料", "C27": "生物医药 制药", "C29": "塑业 塑胶制品", "C30": "建材 新型建材",
    "C33": "金属制品 钢结构", "C34": "机械 机械设备", "C35": "装备制造 专用设备",
    "C36": "汽车零部件 汽车配件", "C38": "电气 电器", "C39": "电子科技 智能科技 电子",
    "C40": "仪器仪表", "D44": "新能源 电力", "E47": "建设 建筑工程", "E48": "路桥工程 市政工程",
    "E49": "安装工程 机电安装", "E50": "装饰工程 建筑装饰", "F51": "贸易 商贸 供应链",
    "F52": "商贸 百货 超市", "G54": "物流 运输", "G59": "仓储 仓储物流", "H61": "酒店管理 酒店",
    "H62": "餐饮管理 餐饮", "I64": "网络科技 互联网科技", "I65": "软件 信息技术 数字科技",
    "K70": "房地产开发 置业 物业管理", "L72": "企业管理咨询 商务服务 人力资源",
    "M75": "科技 技术服务", "O80": "家政服务 保洁服务", "O81": "汽车维修 汽车服务",
}  # fmt: skip
# Words an individual business (个体工商户) or sole proprietorship uses for its shop.
SHOP_WORDS = {
    "A01": "种植场 家庭农场", "A03": "养殖场 家庭农场", "A04": "渔场", "C13": "碾米厂 榨油坊",
    "C14": "食品厂 豆腐坊", "C21": "家具厂", "C30": "建材经营部", "C33": "铝合金加工厂",
    "E50": "装饰部", "F51": "商行 经营部", "F52": "便利店 副食店 超市 五金店 服装店 商行 药店",
    "G54": "货运部", "H61": "旅馆 民宿", "H62": "餐馆 饭店 米粉店 小吃店 烧烤店 茶餐厅",
    "O80": "理发店 美容店 洗衣店 家政服务部", "O81": "汽车修理店 家电维修部 摩托车修理店",
}  # fmt: skip
COOPERATIVE_WORDS = {
    "A01": "水稻种植 蔬菜种植 果蔬种植 葡萄种植 茶叶种植",
    "A03": "生猪养殖 家禽养殖 肉牛养殖",
    "A04": "水产养殖 稻虾养殖",
    "A05": "农机 植保 农业服务",
}
TRADE_NAME_CHARS = (
    "华兴盛鑫源达恒泰丰利隆昌宏富安顺和新诚信德嘉祥瑞博远通明亮辉金银宝玉星月湘楚麓洲江湖山"
    "水林森桥雷锋铜官靖港乔口茶亭格塘沙驰骏腾飞龙凤云天宇宸睿智创美景程卓越领航"
)

# Industry mix by kind of entity.
ENTERPRISE_INDUSTRIES = _weighted(
    "F51 14 F52 8 E47 5 E48 3 E49 3 E50 6 L72 9 I65 5 I64 3 M75 6 C39 3 C36 2 C38 2 C34 2 "
    "C35 2 C33 2 C30 2 C29 1 C27 1 C26 1 C13 1.5 C14 1.5 C15 1 C18 1 C21 1 C23 1 C40 0.5 "
    "D44 0.5 G54 4 G59 1.5 H61 1 H62 3 K70 3 O80 2 O81 2 A01 2 A03 1 A05 0.5"
)
INDIVIDUAL_INDUSTRIES = _weighted(
    "F52 40 H62 22 O80 12 O81 6 F51 5 H61 3 A01 3 A03 2 A04 1 G54 2 C13 1 C14 1 C21 0.5 "
    "C30 0.5 C33 0.5 E50 1.5"
)
COOPERATIVE_INDUSTRIES = _weighted("A01 55 A03 25 A04 12 A05 8")
ENTERPRISE_TYPES = _weighted("llc 86 sole_proprietorship 5 branch 4 partnership 3 joint_stock 2")
# Credit code type digit (机构类别) for registration authority 9 (市场监管): 1 enterprises,
# 2 individual businesses, 3 farmers' cooperatives.
KINDS = _weighted("1 40 2 55 3 5")
# Towns around 望城经开区; part of their enterprises lie inside the zone.
PARK_TOWNS = frozenset({"白沙洲街道", "金山桥街道", "铜官街道"})
HIGH_TECH_DIVISIONS = frozenset(
    {"C26", "C27", "C34", "C35", "C36", "C38", "C39", "C40", "I64", "I65", "M75"}
)
TAX_RATINGS_ENTERPRISE = _weighted("A 12 B 42 M 33 C 9 D 4")
TAX_RATINGS_INDIVIDUAL = _weighted("A 1 B 20 M 70 C 7 D 2")
INACTIVE_STATUSES = _weighted("cancelled 55 revoked 35 moved_out 10")
FIRST_ESTABLISHED = dt.date(1995, 1, 1)
ADULT_DAYS = 6575  # 18 years and a day or so: a representative is an adult when registering
NICE_CAPITALS = (1, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 10000)
# Registered capital in 万元: (median, spread) of a log-normal draw by entity type.
CAPITAL = {
    "llc": (100, 1.1),
    "joint_stock": (5000, 0.9),
    "sole_proprietorship": (10, 0.9),
    "partnership": (500, 1.2),
    "individual_business": (3, 0.9),
    "cooperative": (100, 0.8),
}
# Employees: (median, spread) of a log-normal draw; most are small, a few have hundreds.
EMPLOYEES = {
    "llc": (6, 1.2),
    "joint_stock": (120, 1.0),
    "sole_proprietorship": (4, 0.8),
    "partnership": (3, 0.8),
    "branch": (8, 1.0),
    "individual_business": (2, 0.6),
    "cooperative": (8, 0.6),
}
REUSE_REP_SHARE = 0.12  # some people represent several businesses


def generate_enterprises(
    *,
    seed: int,
    size: int,
    towns: Sequence[TownRef],
    legal_reps: Sequence[LegalRep],
    district_code: str = "430112",
    asof: dt.date | None = None,
) -> Iterator[EnterpriseRow]:
    """Yield `size` legal entities located in `towns`, represented by people of `legal_reps`.

    Representatives are taken from `legal_reps` in order (most represent one entity, some
    several), so pass them in a stable order. Credit codes are issued by the district's
    market regulator (authority 9, region `district_code`); codes and names are unique.
    """
    if size and not towns:
        raise ValueError("no towns to locate enterprises in")
    if size and not legal_reps:
        raise ValueError("no legal representatives")
    if not size:
        return
    asof = asof or dt.date.today()
    asof_ord = asof.toordinal()
    first_ord = FIRST_ESTABLISHED.toordinal()
    rng = random.Random(f"{seed}:legal_entities")

    town_choice = {}
    for purpose in ("manufacturing", "other", "cooperative"):
        town_choice[purpose] = _Weighted([(t, _town_weight(t.name, purpose)) for t in towns])
    words = {code: text.split() for code, text in COMPANY_WORDS.items()}
    shop_words = {code: text.split() for code, text in SHOP_WORDS.items()}
    coop_words = {code: text.split() for code, text in COOPERATIVE_WORDS.items()}

    used_bodies: set[str] = set()
    used_names: set[str] = set()
    used_reps: list[LegalRep] = []
    next_rep = 0
    for _ in range(size):
        kind = KINDS.pick(rng)
        if kind == "1":
            entity_type = ENTERPRISE_TYPES.pick(rng)
            industry = ENTERPRISE_INDUSTRIES.pick(rng)
        elif kind == "2":
            entity_type = "individual_business"
            industry = INDIVIDUAL_INDUSTRIES.pick(rng)
        else:
            entity_type = "cooperative"
            industry = COOPERATIVE_INDUSTRIES.pick(rng)
        manufacturing = industry.startswith("C")

        if kind == "3":
            town = town_choice["cooperative"].pick(rng)
        else:
            town = town_choice["manufacturing" if manufacturing else "other"].pick(rng)
        in_park = False
        if town.name in PARK_TOWNS and kind == "1":
            in_park = rng.random() < (0.8 if manufacturing else 0.35)
        elif town.name in PARK_TOWNS and kind == "2":
            in_park = rng.random() < 0.1

        if next_rep < len(legal_reps) and (not used_reps or rng.random() >= REUSE_REP_SHARE):
            rep = legal_reps[next_rep]
            next_rep += 1
            used_reps.append(rep)
        else:
            rep = rng.choice(used_reps)

        earliest = max(first_ord, rep.birth_date.toordinal() + ADULT_DAYS)
        # New registrations grew year on year: skew towards recent dates.
        established_ord = earliest + int(rng.random() ** 0.6 * (asof_ord - earliest))
        established = dt.date.fromordinal(established_ord)
        years_open = (asof_ord - established_ord) / 365.25

        if rng.random() < min(0.35, 0.01 + 0.012 * years_open):
            status = INACTIVE_STATUSES.pick(rng)
        else:
            status = "active"
        if years_open < 1:
            rating = "M"  # new taxpayers are rated M in their first year
        elif status == "revoked":
            rating = "D" if rng.random() < 0.6 else "C"
        elif kind == "1":
            rating = TAX_RATINGS_ENTERPRISE.pick(rng)
        else:
            rating = TAX_RATINGS_INDIVIDUAL.pick(rng)

        median, spread = EMPLOYEES[entity_type]
        if manufacturing and kind == "1":
            median *= 4
        employees = max(1, min(8000, round(rng.lognormvariate(math.log(median), spread))))
        if entity_type == "cooperative":
            employees = max(employees, 5)  # a cooperative has at least five members
        is_high_tech = (
            entity_type in ("llc", "joint_stock")
            and industry in HIGH_TECH_DIVISIONS
            and employees >= 10
            and rng.random() < 0.25
        )

        name = _unique_name(
            rng, used_names, entity_type, industry, rep.name, words, shop_words, coop_words
        )
        while True:
            body = f"{rng.randrange(100_000_000):08d}"
            if body not in used_bodies:
                used_bodies.add(body)
                break

        yield EnterpriseRow(
            credit_code_from_parts("9", kind, district_code, body),
            name,
            entity_type,
            rep.id_number,
            rep.name,
            industry,
            _capital(rng, entity_type),
            employees,
            established,
            town.id,
            in_park,
            rating,
            is_high_tech,
            status,
            True,
        )


def _town_weight(name: str, purpose: str) -> float:
    if purpose == "cooperative":
        return 4.0 if name.endswith("镇") else 0.5
    if name in PARK_TOWNS:
        return 4.0 if purpose == "manufacturing" else 2.5
    if name == "高塘岭街道":  # the district seat
        return 3.0
    return 1.5 if name.endswith("街道") else 1.0


def _capital(rng: random.Random, entity_type: str) -> Decimal:
    if entity_type == "branch":
        return Decimal("0.00")  # a branch has no registered capital of its own
    median, spread = CAPITAL[entity_type]
    value = rng.lognormvariate(math.log(median), spread)
    if value >= 1 and rng.random() < 0.6:
        # Founders usually pick a round figure.
        value = min(NICE_CAPITALS, key=lambda nice: abs(math.log(nice / value)))
    elif value >= 10:
        value = round(value, 1 - math.floor(math.log10(value)))
    else:
        value = max(0.5, round(value, 1))
    return Decimal(f"{value:.2f}")


def _unique_name(
    rng: random.Random,
    used: set[str],
    entity_type: str,
    industry: str,
    rep_name: str,
    words: dict[str, list[str]],
    shop_words: dict[str, list[str]],
    coop_words: dict[str, list[str]],
) -> str:
    attempt = 0
    while True:
        attempt += 1
        # A longer trade name once the short ones run out keeps this loop short.
        length = 2 if attempt <= 20 else 3
        trade = "".join(rng.choice(TRADE_NAME_CHARS) for _ in range(length))
        if entity_type == "individual_business":
            if rng.random() < 0.25:
                trade = rep_name[0] + "记"  # 刘记餐馆
            prefix = rng.choice(("长沙市望城区", "望城区"))
            word = rng.choice(shop_words.get(industry) or ["经营部"])
            name = f"{prefix}{trade}{word}"
        elif entity_type == "cooperative":
            word = rng.choice(coop_words[industry])
            coop = rng.choice(("专业合作社", "农民专业合作社"))
            name = f"长沙市望城区{trade}{word}{coop}"
        elif entity_type == "sole_proprietorship":
            word = rng.choice(shop_words.get(industry) or ["经营部"])
            name = f"长沙市望城区{trade}{word}"
        else:
            prefix = rng.choice(("湖南", "长沙", "长沙市望城区"))
            word = rng.choice(words[industry])
            if entity_type == "joint_stock":
                name = f"{prefix}{trade}{word}股份有限公司"
            elif entity_type == "partnership":
                name = f"长沙{trade}{word}合伙企业（有限合伙）"
            elif entity_type == "branch":
                name = f"{rng.choice(('湖南', '长沙'))}{trade}{word}有限公司望城分公司"
            else:
                name = f"{prefix}{trade}{word}有限公司"
        if name not in used:
            used.add(name)
            return name
