"""Each key strategy makes what its name says; lengths are counted in code points."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import keys as k
from tests.helpers.hypothesis_settings import FAST, fast, minimal, reaches


def _has_control(s: str) -> bool:
    return any(unicodedata.category(c) == "Cc" for c in s)


def _has_surrogate(s: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


@FAST
@given(k.valid_keys())
def test_valid_keys_are_in_documented_range(key: str) -> None:
    assert 1 <= len(key) <= k.MAX_KEY_LENGTH
    assert not _has_control(key)
    assert not _has_surrogate(key)
    assert "\x00" not in key
    key.encode("utf-8")


def test_valid_keys_shrink_to_short_ascii() -> None:
    assert minimal(k.valid_keys(), lambda _: True) == "0"
    three = minimal(k.valid_keys(), lambda s: len(s) >= 3)
    assert len(three) == 3  # usually "000"; the shrinker does not promise the global minimum


@FAST
@given(k.ascii_keys())
def test_ascii_keys_are_printable_ascii(key: str) -> None:
    assert key and all(0x21 <= ord(c) <= 0x7E for c in key)


@FAST
@given(k.unicode_keys())
def test_unicode_keys_contain_non_ascii(key: str) -> None:
    assert any(ord(c) > 0x7F for c in key)
    assert not _has_control(key) and not _has_surrogate(key)


def test_unicode_keys_cover_each_kind() -> None:
    reaches(k.unicode_keys(), lambda s: any(ord(c) > 0xFFFF for c in s))
    reaches(k.unicode_keys(), lambda s: any(unicodedata.category(c) == "Mn" for c in s))
    reaches(k.unicode_keys(), lambda s: any(unicodedata.bidirectional(c) in ("R", "AL") for c in s))
    reaches(k.unicode_keys(), lambda s: unicodedata.normalize("NFC", s) != s)


@FAST
@given(k.nfc_nfd_pairs())
def test_nfc_nfd_pairs_are_distinct_but_equivalent(pair: tuple[str, str]) -> None:
    nfc, nfd = pair
    assert nfc != nfd
    assert unicodedata.normalize("NFC", nfd) == nfc
    assert unicodedata.normalize("NFD", nfc) == nfd


@FAST
@given(k.case_variant_pairs())
def test_case_variant_pairs_differ_only_in_case(pair: tuple[str, str]) -> None:
    a, b = pair
    assert a != b
    assert a.casefold() == b.casefold() or a.lower() == b.lower() or a.upper() == b.upper()


@FAST
@given(k.prefix_pairs())
def test_prefix_pairs_are_proper_prefixes(pair: tuple[str, str]) -> None:
    short, long = pair
    assert long.startswith(short) and len(long) > len(short) >= 1


@FAST
@given(k.near_miss_pairs())
def test_near_miss_pairs_are_distinct(pair: tuple[str, str]) -> None:
    assert pair[0] != pair[1]


@FAST
@given(k.whitespace_padded_keys())
def test_whitespace_padded_keys_are_padded_without_controls(key: str) -> None:
    pads = set(" \u00a0\u2003\u3000\u200b\ufeff")
    assert key[0] in pads or key[-1] in pads
    assert not _has_control(key)


def test_whitespace_padded_keys_with_controls_can_use_tabs() -> None:
    reaches(k.whitespace_padded_keys(controls=True), lambda s: "\t" in s or "\n" in s)


@FAST
@given(k.punctuation_keys())
def test_punctuation_keys_contain_punctuation(key: str) -> None:
    assert any(c in "/%'\"\\?&=#+*.~:;,@!$()[]{}<>|^` " for c in key)


@pytest.mark.parametrize("token", ["/", "%", "%2F", "'", '"', "\\", "?", "&", "=", "#", "+", "*"])
def test_punctuation_keys_reach_the_brief_set(token: str) -> None:
    reaches(k.punctuation_keys(), lambda s: token in s)


@fast(20)
@given(st.sampled_from([0, 1, 16, 17, 1023, 1024, 1025]), st.data())
def test_keys_at_length_counts_code_points(n: int, data: st.DataObject) -> None:
    chars = data.draw(st.sampled_from([None, k.multibyte_chars(2), k.multibyte_chars(4)]))
    assert len(data.draw(k.keys_at_length(n, chars=chars))) == n


@fast(30)
@given(k.boundary_length_keys())
def test_boundary_length_keys_stay_within_1024_code_points(key: str) -> None:
    assert 1 <= len(key) <= k.MAX_KEY_LENGTH


def test_boundary_length_keys_separate_code_points_from_bytes() -> None:
    reaches(k.boundary_length_keys(), lambda s: len(s) == 1)
    reaches(k.boundary_length_keys(), lambda s: len(s) == 1024 and s.isascii())
    reaches(k.boundary_length_keys(), lambda s: len(s) == 1024 and len(s.encode()) > 1024)
    reaches(k.boundary_length_keys(), lambda s: len(s) == 1024 and len(s.encode("utf-16-le")) == 4096)
    reaches(k.boundary_length_keys(), lambda s: len(s.encode()) == 1024 and len(s) < 1024)


@fast(30)
@given(k.overlong_keys())
def test_overlong_keys_exceed_1024_code_points(key: str) -> None:
    assert len(key) > k.MAX_KEY_LENGTH


def test_empty_key() -> None:
    assert minimal(k.empty_key(), lambda _: True) == ""


@FAST
@given(k.control_char_keys())
def test_control_char_keys_contain_a_control(key: str) -> None:
    assert _has_control(key)


def test_control_char_keys_can_hold_nul() -> None:
    reaches(k.control_char_keys(), lambda s: "\x00" in s)


@FAST
@given(k.surrogate_keys())
def test_surrogate_keys_hold_a_lone_surrogate(key: str) -> None:
    assert _has_surrogate(key)


@FAST
@given(k.any_keys())
def test_any_keys_never_hold_surrogates(key: str) -> None:
    assert not _has_surrogate(key)


def test_any_keys_reach_the_edge_cases() -> None:
    reaches(k.any_keys(), lambda s: s == "")
    reaches(k.any_keys(), lambda s: len(s) > 1024)
    reaches(k.any_keys(), _has_control)
