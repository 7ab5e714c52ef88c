"""Item codes, RFID ids and the vocabulary."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custody import codes, vocab
from custody.errors import InvalidInput


def test_new_codes_are_twelve_digits_valid_and_never_start_with_99():
    for _ in range(2000):
        code = codes.new_item_code()
        assert len(code) == 12 and code.isdigit() and not code.startswith("99")
        assert codes.check_item_code(code) == code


@given(st.integers(min_value=10**10, max_value=10**11 - 1), st.integers(0, 11), st.integers(1, 9))
def test_every_single_digit_error_is_refused(body, pos, delta):
    code = str(body) + codes.damm_digit(str(body))
    wrong = code[:pos] + str((int(code[pos]) + delta) % 10) + code[pos + 1 :]
    assert not codes.damm_valid(wrong)


@given(st.integers(min_value=10**10, max_value=10**11 - 1), st.integers(0, 10))
def test_every_adjacent_swap_is_refused(body, pos):
    code = str(body) + codes.damm_digit(str(body))
    swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
    if swapped != code:
        assert not codes.damm_valid(swapped)


@pytest.mark.parametrize("bad", ["12345", "abcdefghijkl", "1234567890123", ""])
def test_malformed_codes_name_the_value(bad):
    with pytest.raises(InvalidInput) as err:
        codes.check_item_code(bad)
    assert repr(bad) in err.value.message("en")


def test_rfid_forms_match_each_other():
    hex_low, _ = codes.rfid_keys("010063E9AE")
    _, dec = codes.rfid_keys("0006547886")
    assert hex_low == dec == 6547886
    assert codes.rfid_canonical(" 010063e9ae ") == "010063E9AE"
    with pytest.raises(InvalidInput):
        codes.rfid_canonical("12345")


@pytest.mark.parametrize(
    "text,slug",
    [
        ("secret", "secret"),
        ("机密", "secret"),
        ("Top secret", "top-secret"),
        ("绝密", "top-secret"),
        ("内部", "internal"),
    ],
)
def test_levels_accept_slug_chinese_and_english(text, slug):
    assert vocab.level(text).slug == slug


def test_unknown_level_lists_what_is_allowed():
    with pytest.raises(InvalidInput) as err:
        vocab.level("bogus")
    assert (
        "bogus" in err.value.message("en")
        and "top-secret" in err.value.message("en")
        and "绝密" in err.value.message("zh")
    )


@pytest.mark.parametrize(
    "text,spec",
    [
        ("10y", "10y"),
        ("10年", "10y"),
        ("6m", "6m"),
        ("6个月", "6m"),
        ("until:2030-06-30", "until:2030-06-30"),
        ("长期", "long-term"),
        ("long-term", "long-term"),
        ("condition:会议结束后", "condition:会议结束后"),
        ("", ""),
    ],
)
def test_periods(text, spec):
    assert vocab.period(text).spec == spec


@pytest.mark.parametrize("text", ["10", "ten years", "until:2030-13-01", "0y", "condition:"])
def test_bad_periods_are_refused(text):
    with pytest.raises(InvalidInput):
        vocab.period(text)


def test_period_longer_than_the_law_allows_is_refused():
    with pytest.raises(InvalidInput) as err:
        vocab.period("25y", vocab.level("secret"))
    assert "20" in err.value.message("zh")
    assert vocab.period("30y", vocab.level("top-secret")).years == 30


def test_marking_as_documents_print_it():
    assert vocab.marking(vocab.level("secret"), vocab.period("10y")) == "机密★10年"
    assert vocab.marking(vocab.level("confidential"), vocab.period("6m")) == "秘密★6个月"
    assert vocab.marking(vocab.level("secret"), vocab.period("长期")) == "机密★长期"
    assert vocab.period("1y").expires(date(2024, 2, 29)) == date(2025, 2, 28)
