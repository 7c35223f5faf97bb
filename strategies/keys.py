"""Single vector keys: one small strategy per kind of key, and two mixes (``valid_keys``, ``any_keys``).

Lengths are counted in Unicode code points (Python ``len``). The documented range is 1-1024
"characters", UTF-8 (digest §5.2/§7, A5); whether the server counts code points, UTF-16 units or
bytes is open, so ``boundary_length_keys`` makes keys that tell those apart. Nothing here says
whether a key is accepted: the suite's oracle judges the bytes that were sent.

Long keys are built from a short drawn pattern repeated to length, so a 1024-code-point key costs a
few choices, not 1024 (Hypothesis caps one example at ~8 KB of choices).
"""

from __future__ import annotations

import string
import unicodedata
from urllib.parse import quote

from hypothesis import strategies as st

from conformance import limits
from strategies._util import weighted

__all__ = [
    "MAX_KEY_LENGTH",
    "any_keys",
    "ascii_keys",
    "boundary_length_keys",
    "case_variant_pairs",
    "combining_mark_keys",
    "control_char_keys",
    "empty_key",
    "keys_at_length",
    "multibyte_chars",
    "near_miss_pairs",
    "nfc_nfd_pairs",
    "non_bmp_keys",
    "overlong_keys",
    "percent_encoding_pairs",
    "prefix_pairs",
    "punctuation_keys",
    "rtl_keys",
    "surrogate_keys",
    "unicode_keys",
    "valid_keys",
    "whitespace_padded_keys",
    "whitespace_variant_pairs",
]

MAX_KEY_LENGTH = limits.MAX_KEY_CHARS
"""Documented maximum key length (characters; we count code points)."""

_PRINTABLE_ASCII = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
_ALNUM = st.sampled_from(string.ascii_lowercase + string.digits + string.ascii_uppercase)
_COMBINING = st.one_of(
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F), st.characters(min_codepoint=0x20D0, max_codepoint=0x20F0)
)
_EMOJI = st.characters(min_codepoint=0x1F300, max_codepoint=0x1F64F)
_CJK_EXT_B = st.characters(min_codepoint=0x20000, max_codepoint=0x2A6DF)
_HEBREW = st.characters(min_codepoint=0x05D0, max_codepoint=0x05EA)
_ARABIC = st.characters(min_codepoint=0x0621, max_codepoint=0x064A)
_ANY_NON_CONTROL = st.characters(exclude_categories=("Cs", "Cc"))
_NON_ASCII_NON_CONTROL = st.characters(min_codepoint=0x80, exclude_categories=("Cs", "Cc"))

# Precomposed characters whose NFD differs (Latin-1/Latin Extended-A, a few Greek, Hangul syllables).
_COMPOSABLE = tuple(
    c
    for c in [chr(cp) for cp in range(0xC0, 0x180)] + list("ǖệΆώ한글가힣Å")
    if unicodedata.normalize("NFD", c) != unicodedata.normalize("NFC", c)
)

_PUNCTUATION_TOKENS = (
    "/", "%", "%2F", "'", '"', "\\", "?", "&", "=", "#", "+", "*",
    "%2f", "%20", "%%", "%zz", "..", "./", "../", "//", ".", "~", ":", ";", ",", "@", "!", "$",
    "(", ")", "[", "]", "{", "}", "<", ">", "|", "^", "`", " ",
)  # fmt: skip

_SOFT_PADDING = (" ", "\u00a0", "\u2003", "\u3000", "\u200b", "\ufeff")
_CONTROL_PADDING = ("\t", "\n", "\r", "\x0b", "\x0c")

# (UTF-8 bytes per char) -> a strategy for such chars; all are BMP except 4.
_CHARS_BY_UTF8_WIDTH: dict[int, st.SearchStrategy[str]] = {
    1: _PRINTABLE_ASCII,
    2: st.characters(min_codepoint=0x00C0, max_codepoint=0x024F),  # Latin: é, ł, ...
    3: st.one_of(
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), st.characters(min_codepoint=0x3041, max_codepoint=0x3096)
    ),
    4: st.one_of(_EMOJI, _CJK_EXT_B),
}


def _short_ascii(min_size: int = 0, max_size: int = 8) -> st.SearchStrategy[str]:
    return st.text(_PRINTABLE_ASCII, min_size=min_size, max_size=max_size)


def ascii_keys(min_size: int = 1, max_size: int = 32) -> st.SearchStrategy[str]:
    """Printable ASCII without space (0x21-0x7E): the plain, common case; shrinks to ``"0"``."""
    return st.text(_PRINTABLE_ASCII, min_size=min_size, max_size=max_size)


def multibyte_chars(utf8_width: int) -> st.SearchStrategy[str]:
    """Single characters that take exactly ``utf8_width`` (1-4) bytes in UTF-8."""
    return _CHARS_BY_UTF8_WIDTH[utf8_width]


def combining_mark_keys() -> st.SearchStrategy[str]:
    """Base letters followed by 1-3 combining marks (e.g. ``"e\u0301\u0323"``): several code points, one glyph."""
    segment = st.tuples(_ALNUM, st.lists(_COMBINING, min_size=1, max_size=3)).map(lambda t: t[0] + "".join(t[1]))
    return st.tuples(_short_ascii(), st.lists(segment, min_size=1, max_size=4), _short_ascii()).map(
        lambda t: t[0] + "".join(t[1]) + t[2]
    )


def non_bmp_keys() -> st.SearchStrategy[str]:
    """Keys with characters outside the BMP (emoji, CJK Extension B): 4 UTF-8 bytes, 2 UTF-16 units each."""
    return st.tuples(_short_ascii(), st.text(st.one_of(_EMOJI, _CJK_EXT_B), min_size=1, max_size=6), _short_ascii()).map("".join)


def rtl_keys() -> st.SearchStrategy[str]:
    """Right-to-left text (Hebrew, Arabic), alone or mixed with ASCII digits/letters (bidi)."""
    rtl = st.text(st.one_of(_HEBREW, _ARABIC), min_size=1, max_size=12)
    return st.tuples(_short_ascii(max_size=4), rtl, _short_ascii(max_size=4)).map("".join)


def nfc_nfd_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """``(nfc, nfd)``: two different strings that are canonically equivalent (same text once normalised)."""

    def build(parts: tuple[str, list[str], str]) -> tuple[str, str]:
        s = parts[0] + "".join(parts[1]) + parts[2]
        return unicodedata.normalize("NFC", s), unicodedata.normalize("NFD", s)

    return st.tuples(_short_ascii(), st.lists(st.sampled_from(_COMPOSABLE), min_size=1, max_size=3), _short_ascii()).map(build)


def _general_unicode_keys() -> st.SearchStrategy[str]:
    return st.tuples(st.text(_ANY_NON_CONTROL, max_size=8), _NON_ASCII_NON_CONTROL, st.text(_ANY_NON_CONTROL, max_size=8)).map(
        "".join
    )


def unicode_keys() -> st.SearchStrategy[str]:
    """Non-ASCII keys: combining marks, non-BMP, right-to-left, NFC or NFD forms, and general Unicode (no Cc/Cs)."""
    return st.one_of(
        nfc_nfd_pairs().map(lambda p: p[0]),
        nfc_nfd_pairs().map(lambda p: p[1]),
        combining_mark_keys(),
        non_bmp_keys(),
        rtl_keys(),
        _general_unicode_keys(),
    )


def whitespace_padded_keys(*, controls: bool = False) -> st.SearchStrategy[str]:
    """Keys with leading and/or trailing whitespace (incl. NBSP, ideographic space, ZWSP, U+FEFF), or only whitespace.

    ``controls=True`` also pads with tab/CR/LF/VT/FF, which are control characters (kept out of ``valid_keys``).
    """
    pad_chars = _SOFT_PADDING + (_CONTROL_PADDING if controls else ())
    pad = st.text(st.sampled_from(pad_chars), min_size=1, max_size=3)
    core = st.one_of(ascii_keys(max_size=16), unicode_keys(), st.just(""))

    @st.composite
    def build(draw: st.DrawFn) -> str:
        side = draw(st.sampled_from(("left", "right", "both")))
        left = draw(pad) if side != "right" else ""
        right = draw(pad) if side != "left" else ""
        return left + draw(core) + right

    return build()


def punctuation_keys() -> st.SearchStrategy[str]:
    """Keys with URL/JSON/shell-significant characters: ``/ % %2F ' " \\ ? & = # + *`` and friends."""
    return st.tuples(
        st.text(_ALNUM, max_size=4),
        st.sampled_from(_PUNCTUATION_TOKENS),
        st.lists(st.one_of(st.sampled_from(_PUNCTUATION_TOKENS), st.text(_ALNUM, min_size=1, max_size=3)), max_size=4),
    ).map(lambda t: t[0] + t[1] + "".join(t[2]))


def control_char_keys() -> st.SearchStrategy[str]:
    """Keys containing a control character (C0 incl. NUL, DEL, C1), anywhere in the key or alone."""
    control = st.one_of(
        st.characters(min_codepoint=0x00, max_codepoint=0x1F),
        st.just("\x7f"),
        st.characters(min_codepoint=0x80, max_codepoint=0x9F),
    )
    return st.tuples(_short_ascii(), control, _short_ascii()).map("".join)


def surrogate_keys() -> st.SearchStrategy[str]:
    """Python strings holding a lone surrogate: not encodable as UTF-8, only sendable as a JSON ``\\uD800`` escape.

    Kept out of ``valid_keys`` and ``any_keys``; use it only with a serialiser that escapes.
    """
    return st.tuples(_short_ascii(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), _short_ascii()).map("".join)


def _fill_to_length(n: int, chars: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Exactly ``n`` code points: a short random head, then a short drawn pattern repeated (cheap for big n)."""
    if n < 0:
        raise ValueError("length must be >= 0")
    if n <= 16:
        return st.text(chars, min_size=n, max_size=n)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        head = draw(st.text(chars, max_size=16))
        pattern = draw(st.text(chars, min_size=1, max_size=8))
        rest = n - len(head)
        return head + (pattern * (rest // len(pattern) + 1))[:rest]

    return build()


def keys_at_length(n: int, *, chars: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Keys of exactly ``n`` code points, from ``chars`` (default printable ASCII)."""
    return _fill_to_length(n, chars if chars is not None else _PRINTABLE_ASCII)


def boundary_length_keys() -> st.SearchStrategy[str]:
    """Keys at the length limits: 1 and 1024 code points, and multi-byte keys where code points, UTF-16 units and bytes disagree.

    E.g. 1024 emoji = 1024 code points = 2048 UTF-16 units = 4096 bytes; 1023 ASCII + ``é`` = 1025 bytes;
    512 two-byte chars = exactly 1024 bytes. All are <= 1024 code points.
    """
    n = MAX_KEY_LENGTH
    return st.one_of(
        keys_at_length(1),
        keys_at_length(n),
        keys_at_length(n - 1),
        keys_at_length(1, chars=st.one_of(multibyte_chars(2), multibyte_chars(3), multibyte_chars(4))),
        keys_at_length(n, chars=multibyte_chars(2)),
        keys_at_length(n, chars=multibyte_chars(3)),
        keys_at_length(n, chars=multibyte_chars(4)),
        keys_at_length(n // 2, chars=multibyte_chars(2)),
        st.tuples(keys_at_length(n - 1), multibyte_chars(2)).map("".join),
        st.tuples(keys_at_length(n - 1), multibyte_chars(4)).map("".join),
    )


def overlong_keys() -> st.SearchStrategy[str]:
    """Keys longer than 1024 code points (1025 and up, ASCII or multi-byte)."""
    lengths = st.one_of(st.just(MAX_KEY_LENGTH + 1), st.integers(MAX_KEY_LENGTH + 1, 4 * MAX_KEY_LENGTH))
    chars = st.one_of(_PRINTABLE_ASCII, multibyte_chars(2), multibyte_chars(4))
    return st.tuples(lengths, st.booleans()).flatmap(lambda t: keys_at_length(t[0], chars=chars if t[1] else None))


def empty_key() -> st.SearchStrategy[str]:
    """The empty string: below the documented minimum of 1."""
    return st.just("")


def case_variant_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """``(key, variant)`` differing only in letter case, e.g. ``("Doc-A", "doc-a")``; also a few Unicode case pairs."""
    transforms = (str.swapcase, str.lower, str.upper)

    def build(t: tuple[str, str, str, int]) -> tuple[str, str]:
        key = t[0] + t[1] + t[2]
        variant = transforms[t[3]](key)
        return key, variant if variant != key else key.swapcase()

    ascii_pairs = st.tuples(
        st.text(_ALNUM, max_size=6).map(lambda s: s + "-" if s else s),
        st.sampled_from(string.ascii_letters),
        st.text(st.one_of(_ALNUM, st.sampled_from("-_.")), max_size=8),
        st.integers(0, len(transforms) - 1),
    ).map(build)
    unicode_pairs = st.sampled_from(
        (
            ("É", "é"),
            ("Straße", "STRASSE"),
            ("ǅ", "ǆ"),
            ("Σ", "σ"),
            ("σ", "ς"),
            ("İ", "i\u0307"),
            ("K", "\u212a"),
            ("Ω", "ω"),
            ("ﬁ", "FI"),
        )
    )
    return st.one_of(ascii_pairs, unicode_pairs)


def prefix_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """``(short, long)`` where ``short`` is a proper prefix of ``long``, e.g. ``("doc-1", "doc-10")``."""
    suffix = st.one_of(
        st.text(st.sampled_from(string.digits), min_size=1, max_size=3),
        ascii_keys(max_size=4),
        st.sampled_from((" ", "/", "\u0301", "\u200b", "*", "%")),
    )
    base = st.one_of(
        st.tuples(st.text(_ALNUM, min_size=1, max_size=8), st.integers(0, 99)).map(lambda t: f"{t[0]}-{t[1]}"),
        ascii_keys(max_size=16),
        unicode_keys(),
    )
    return st.tuples(base, suffix).map(lambda t: (t[0], t[0] + t[1]))


def whitespace_variant_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """``(key, key with whitespace added)``, e.g. ``("doc", " doc")``, ``("doc", "doc\u00a0")``."""
    pad = st.sampled_from(_SOFT_PADDING)
    return st.tuples(ascii_keys(max_size=16), pad, st.sampled_from(("left", "right", "both"))).map(
        lambda t: (t[0], (t[1] if t[2] != "right" else "") + t[0] + (t[1] if t[2] != "left" else ""))
    )


def percent_encoding_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """``(key, its percent-encoded spelling)``, e.g. ``("a/b", "a%2Fb")``: equal only to a server that decodes."""
    special = st.sampled_from(("/", " ", "%", "?", "#", "&", "+", "é"))

    def build(t: tuple[str, str, str]) -> tuple[str, str]:
        return t[0] + t[1] + t[2], t[0] + quote(t[1], safe="") + t[2]

    alnum = st.text(_ALNUM, max_size=6)
    return st.tuples(alnum, special, alnum).map(build)


def near_miss_pairs() -> st.SearchStrategy[tuple[str, str]]:
    """``(key, twin)``: distinct strings an over-eager matcher could confuse (prefix, case, NFC/NFD, whitespace, %-encoding).

    Either element may be the longer/normalised one. ``key != twin`` always.
    """
    swapped = st.booleans()

    def orient(pairs: st.SearchStrategy[tuple[str, str]]) -> st.SearchStrategy[tuple[str, str]]:
        return st.tuples(pairs, swapped).map(lambda t: (t[0][1], t[0][0]) if t[1] else t[0])

    return st.one_of(
        orient(prefix_pairs()),
        orient(case_variant_pairs()),
        orient(nfc_nfd_pairs()),
        orient(whitespace_variant_pairs()),
        orient(percent_encoding_pairs()),
    )


def valid_keys() -> st.SearchStrategy[str]:
    """Keys inside the documented range: 1-1024 code points, no surrogates, no control characters (so no NUL).

    Mostly short printable ASCII; then Unicode, punctuation, whitespace padding, and length boundaries.
    Shrinks toward short ASCII.
    """
    return weighted(
        (10, ascii_keys()),
        (4, unicode_keys()),
        (3, punctuation_keys()),
        (1, whitespace_padded_keys()),
        (1, boundary_length_keys()),
    )


def any_keys() -> st.SearchStrategy[str]:
    """Valid keys mixed with edge cases: empty, over-long, control characters, control-whitespace padding.

    Never contains lone surrogates (see ``surrogate_keys``).
    """
    return weighted(
        (10, valid_keys()),
        (1, empty_key()),
        (1, overlong_keys()),
        (1, control_char_keys()),
        (1, whitespace_padded_keys(controls=True)),
    )
