"""Identity numbers: resident ID (GB 11643) and unified social credit code (GB 32100).

Pure: imports nothing from Django. Validation errors say in Chinese exactly what is wrong, so a
clerk or an applicant can correct the number. Check digits come from python-stdnum.
"""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 11714 organisation code: 8 body characters with these weights, then a check character.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class IdentityNumberError(ValueError):
    """A number that fails validation; `message` is the Chinese text to show."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def validate_resident_id(value: str, *, today: dt.date | None = None) -> str:
    """Return the normalised 18-character resident ID number or raise IdentityNumberError."""
    number = ric.compact(value or "")
    if len(number) != 18:
        raise IdentityNumberError(f"居民身份证号码应为18位，当前为{len(number)}位", code="length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdentityNumberError(
            "居民身份证号码前17位应为数字，最后一位应为数字或字母X", code="format"
        )
    try:
        birth = ric.get_birth_date(number)
    except StdnumError:
        raise IdentityNumberError(
            f"居民身份证号码第7–14位的出生日期“{number[6:14]}”不是有效日期", code="birth_date"
        ) from None
    if birth > (today or dt.date.today()) or birth.year < 1880:
        raise IdentityNumberError(
            f"居民身份证号码中的出生日期 {birth.isoformat()} 不可能", code="birth_date"
        )
    try:
        ric.get_birth_place(number)
    except StdnumError:
        raise IdentityNumberError(
            f"居民身份证号码前6位“{number[:6]}”不是{birth.year}年有效的行政区划代码",
            code="region",
        ) from None
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise IdentityNumberError(
            f"居民身份证号码校验位错误：最后一位应为“{expected}”，当前为“{number[17]}”",
            code="check_digit",
        )
    return number


def validate_credit_code(value: str) -> str:
    """Return the normalised unified social credit code or raise IdentityNumberError."""
    number = uscc.compact(value or "")
    if len(number) != 18:
        raise IdentityNumberError(f"统一社会信用代码应为18位，当前为{len(number)}位", code="length")
    for position, char in enumerate(number, start=1):
        if char not in USCC_ALPHABET:
            raise IdentityNumberError(
                f"统一社会信用代码第{position}位“{char}”不是允许的字符"
                "（只用数字和除I、O、S、V、Z以外的大写字母）",
                code="format",
            )
    if not number[2:8].isdigit():
        raise IdentityNumberError(
            f"统一社会信用代码第3–8位应为登记管理机关行政区划码，当前为“{number[2:8]}”",
            code="region",
        )
    expected = uscc.calc_check_digit(number)
    if number[17] != expected:
        raise IdentityNumberError(
            f"统一社会信用代码校验位错误：最后一位应为“{expected}”，当前为“{number[17]}”",
            code="check_digit",
        )
    return number


def is_valid_resident_id(value: str) -> bool:
    try:
        validate_resident_id(value)
    except IdentityNumberError:
        return False
    return True


def mask_resident_id(number: str) -> str:
    """430112********1234: region and last four only, as shown by default everywhere."""
    if len(number) != 18:
        return "*" * len(number)
    return f"{number[:6]}{'*' * 8}{number[14:]}"


def mask_phone(phone: str) -> str:
    """138****5678; other lengths keep at most their first 3 and last 2 characters."""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[7:]}"
    if len(phone) <= 5:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 5)}{phone[-2:]}"


def mask_name(name: str) -> str:
    """张*明 / 李*: the surname stays, the given name is hidden but for its last character."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return f"{name[0]}*"
    return f"{name[0]}{'*' * (len(name) - 2)}{name[-1]}"


def resident_id_from_parts(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid resident ID; `sequence` is 1–999, odd for men and even for women."""
    body = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def organisation_code_check(body: str) -> str:
    """GB 11714 check character for an 8-character organisation code body."""
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_from_parts(authority: str, kind: str, region: str, org_body: str) -> str:
    """Build a valid credit code from its parts (GB 32100 with a GB 11714 organisation code)."""
    body = f"{authority}{kind}{region}{org_body}{organisation_code_check(org_body)}"
    return body + uscc.calc_check_digit(body + "0")
