"""Identity numbers: clear Chinese errors saying what is wrong, and masking."""

import pytest

from onething.core.identity import (
    IdentityNumberError,
    credit_code_from_parts,
    mask_name,
    mask_resident_id,
    resident_id_from_parts,
    validate_credit_code,
    validate_resident_id,
)

VALID_ID = resident_id_from_parts("430112", __import__("datetime").date(2012, 5, 17), 123)
OLD_ID = resident_id_from_parts("430122", __import__("datetime").date(1968, 3, 2), 40)


def test_generated_numbers_validate():
    assert validate_resident_id(VALID_ID) == VALID_ID
    assert validate_resident_id(OLD_ID.lower()) == OLD_ID
    code = credit_code_from_parts("9", "1", "430112", "MA4L1234")
    assert validate_credit_code(code) == code


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("43011220120517123", "length", "应为18位，当前为17位"),
        ("43011220120517A23X", "format", "前17位应为数字"),
        ("430112201302301230", "birth_date", "20130230"),
        ("430112209901011230", "birth_date", "不可能"),
        # 望城县 430122 was replaced by 望城区 430112 in 2011: a 2015 birth cannot carry it.
        (
            resident_id_from_parts("430122", __import__("datetime").date(2015, 1, 1), 11),
            "region",
            "430122",
        ),
        (VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1"), "check_digit", "校验位错误"),
    ],
)
def test_resident_id_errors_say_what_is_wrong(number, code, words):
    with pytest.raises(IdentityNumberError) as error:
        validate_resident_id(number)
    assert error.value.code == code
    assert words in error.value.message


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("91430112MA4L1234", "length", "应为18位"),
        ("91430112MA4L12O4XX", "format", "第15位“O”"),
        ("9143O112MA4L12341X", "format", "“O”"),
    ],
)
def test_credit_code_errors_say_what_is_wrong(number, code, words):
    with pytest.raises(IdentityNumberError) as error:
        validate_credit_code(number)
    assert error.value.code == code
    assert words in error.value.message


def test_credit_code_check_digit_error_names_the_expected_digit():
    code = credit_code_from_parts("9", "1", "430112", "MA4L1234")
    wrong = code[:17] + ("1" if code[17] != "1" else "2")
    with pytest.raises(IdentityNumberError) as error:
        validate_credit_code(wrong)
    assert f"应为“{code[17]}”" in error.value.message


def test_masking_keeps_region_and_last_four():
    assert mask_resident_id("430112201205171234") == "430112********1234"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
