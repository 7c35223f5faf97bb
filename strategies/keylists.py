"""Key lists for the ``keys`` member, and whole delete scenarios (what to store, what to delete, what must survive).

Uniqueness is exact code-point equality (Python ``==``): NFC/NFD twins or case variants count as two keys
here. Whether the server agrees is for the oracle to judge from the bytes sent.

Big lists are cheap: a few drawn keys (any kind) followed by numbered filler keys (``k0``, ``k1``, ...),
with an optional seeded shuffle, so 500-1000 keys cost a handful of Hypothesis choices and shrink to
in-order numbered ASCII keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from hypothesis import strategies as st

from conformance import limits
from strategies._util import maybe_shuffled, seeded_sample, weighted
from strategies.keys import MAX_KEY_LENGTH, near_miss_pairs, valid_keys

__all__ = [
    "KEY_POOL",
    "MAX_UNIQUE_KEYS",
    "DeleteScenario",
    "KeySplit",
    "delete_scenarios",
    "empty_lists",
    "exactly_500_key_lists",
    "exactly_501_key_lists",
    "exactly_1000_key_lists",
    "in_range_key_lists",
    "key_lists",
    "lists_with_duplicates",
    "oversized_unique_lists",
    "permutations_of",
    "pooled_key_lists",
    "scenario_examples",
    "single_key_lists",
    "split_pairs",
    "unique_key_lists",
]

T = TypeVar("T")

MAX_UNIQUE_KEYS = limits.MAX_UNIQUE_KEYS
"""Documented maximum number of unique keys per DeleteVectors request."""

_HEAD_MAX = 16  # drawn (varied) keys at the front of a big list; the rest is numbered filler
_FILLER_STEMS = ("k", "doc-", "key/", "vec_", "ключ-", "文档-", "🔑")
# Built once: constructing these trees per draw dominated generation time.
_VALID_KEYS = valid_keys()
_NEAR_MISS_PAIRS = near_miss_pairs()


def _fresh_keys(
    draw: st.DrawFn, n: int, exclude: Iterable[str] = (), elements: st.SearchStrategy[str] | None = None
) -> list[str]:
    """Exactly ``n`` distinct keys, none in ``exclude``: up to 16 drawn from ``elements``, the rest numbered filler."""
    if n <= 0:
        return []
    taken = set(exclude)
    head_strategy = elements if elements is not None else _VALID_KEYS
    head = [k for k in draw(st.lists(head_strategy, max_size=min(n, _HEAD_MAX), unique=True)) if k not in taken]
    taken.update(head)
    stem = draw(st.sampled_from(_FILLER_STEMS))
    out = head
    i = 0
    while len(out) < n:
        candidate = f"{stem}{i}"
        i += 1
        if candidate not in taken:
            taken.add(candidate)
            out.append(candidate)
    return out


def _with_duplicates(draw: st.DrawFn, base: Sequence[str], extra: int) -> list[str]:
    """``base`` plus ``extra`` repeats of its members (explicit picks when few, cyclic when many), maybe shuffled."""
    if not base or extra <= 0:
        return list(base)
    if extra <= _HEAD_MAX:
        picks = draw(st.lists(st.integers(0, len(base) - 1), min_size=extra, max_size=extra))
        repeats = [base[i] for i in picks]
    else:
        repeats = [base[i % len(base)] for i in range(extra)]
    return maybe_shuffled(draw, [*base, *repeats])


KEY_POOL: tuple[str, ...] = (
    # A fixed handful of valid keys of every kind the key strategies draw: plain, near-miss pairs (prefix,
    # case, whitespace, NFC/NFD, percent-encoding), multibyte, non-BMP, right-to-left, punctuation, padding.
    "doc-1",
    "doc-10",
    "Doc-1",
    " doc-1",
    "doc-1 ",
    "doc%2D1",
    "caf\u00e9",
    "cafe\u0301",
    "\u043a\u043b\u044e\u0447",
    "\u6587\u6863-1",
    "\U0001f511-\U00020001",
    "\u05e9\u05dc\u05d5\u05dd-1",
    "a/b\\c?d#e&f=g",
    "{\"k\": [1]}",
    "\u00a0nbsp\u3000",
    "zero\u200bwidth",
    "k",
    "K",
)
"""Keys the properties that judge a request's problem rather than its keys draw from: all stored once per
test (its index is kept across examples), so a rejected request's example costs its request and one read."""


def pooled_key_lists(max_size: int = 3) -> st.SearchStrategy[list[str]]:
    """1..``max_size`` distinct keys of ``KEY_POOL``."""
    return st.lists(st.sampled_from(KEY_POOL), min_size=1, max_size=max_size, unique=True)


def unique_key_lists(n: int, *, elements: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[list[str]]:
    """Exactly ``n`` unique keys (``elements`` default: ``valid_keys()``)."""

    @st.composite
    def build(draw: st.DrawFn) -> list[str]:
        return maybe_shuffled(draw, _fresh_keys(draw, n, elements=elements))

    return build()


def key_lists(
    min_size: int = 0, max_size: int = 20, *, unique: bool = False, elements: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[list[str]]:
    """Lists of ``min_size``..``max_size`` raw entries; with ``unique=False`` some entries may repeat (shrinks to none)."""
    if not 0 <= min_size <= max_size:
        raise ValueError("need 0 <= min_size <= max_size")

    @st.composite
    def build(draw: st.DrawFn) -> list[str]:
        size = draw(st.integers(min_size, max_size))
        if unique or size == 0:
            return maybe_shuffled(draw, _fresh_keys(draw, size, elements=elements))
        extra = draw(st.integers(0, size - 1))
        return _with_duplicates(draw, _fresh_keys(draw, size - extra, elements=elements), extra)

    return build()


def empty_lists() -> st.SearchStrategy[list[str]]:
    """``[]``: zero unique keys, below the documented minimum."""
    return st.just([])


def single_key_lists() -> st.SearchStrategy[list[str]]:
    """One key: the documented minimum."""
    return unique_key_lists(1)


def in_range_key_lists() -> st.SearchStrategy[list[str]]:
    """2..499 unique keys: strictly inside the documented range; small sizes more likely."""
    return weighted((3, st.integers(2, 20)), (1, st.integers(2, MAX_UNIQUE_KEYS - 1))).flatmap(unique_key_lists)


def exactly_500_key_lists() -> st.SearchStrategy[list[str]]:
    """500 unique keys: the documented maximum."""
    return unique_key_lists(MAX_UNIQUE_KEYS)


def exactly_501_key_lists() -> st.SearchStrategy[list[str]]:
    """501 unique keys: one over the documented maximum."""
    return unique_key_lists(MAX_UNIQUE_KEYS + 1)


def exactly_1000_key_lists() -> st.SearchStrategy[list[str]]:
    """1000 unique keys: twice the documented maximum."""
    return unique_key_lists(2 * MAX_UNIQUE_KEYS)


def oversized_unique_lists(
    min_size: int = MAX_UNIQUE_KEYS + 1, max_size: int = 2 * MAX_UNIQUE_KEYS
) -> st.SearchStrategy[list[str]]:
    """``min_size``..``max_size`` unique keys (default 501..1000): more unique keys than documented."""
    return st.integers(min_size, max_size).flatmap(unique_key_lists)


def lists_with_duplicates(
    *, min_unique: int = 1, max_unique: int = MAX_UNIQUE_KEYS, max_size: int = 2 * MAX_UNIQUE_KEYS
) -> st.SearchStrategy[list[str]]:
    """Lists with at least one repeated entry and ``min_unique``..``max_unique`` unique keys; raw length up to ``max_size``.

    With the defaults the raw length often exceeds 500 while the unique count stays <= 500 (digest A3);
    boundary shapes (501 raw / 500 unique, 1000 / 500, 2 / 1, 1000 / 1) are favoured.
    """
    if not 1 <= min_unique <= max_unique or max_size <= min_unique:
        raise ValueError("need 1 <= min_unique <= max_unique and max_size > min_unique")
    max_unique = min(max_unique, max_size - 1)
    boundaries = [
        (raw, u)
        for raw, u in (
            (2, 1),
            (MAX_UNIQUE_KEYS + 1, MAX_UNIQUE_KEYS),
            (2 * MAX_UNIQUE_KEYS, MAX_UNIQUE_KEYS),
            (2 * MAX_UNIQUE_KEYS, 1),
        )
        if min_unique <= u <= max_unique and u < raw <= max_size
    ]

    @st.composite
    def general(draw: st.DrawFn) -> tuple[int, int]:
        u = draw(st.integers(min_unique, max_unique))
        return draw(st.integers(u + 1, max_size)), u

    shapes = weighted((3, general()), (1, st.sampled_from(boundaries))) if boundaries else general()

    @st.composite
    def build(draw: st.DrawFn) -> list[str]:
        raw, u = draw(shapes)
        return _with_duplicates(draw, _fresh_keys(draw, u), raw - u)

    return build()


def permutations_of(items: Sequence[T]) -> st.SearchStrategy[list[T]]:
    """Reorderings of ``items`` (shrinks to the original order); cheap for long lists (seeded shuffle)."""
    values = list(items)
    if len(values) <= 20:
        return st.permutations(values)

    @st.composite
    def build(draw: st.DrawFn) -> list[T]:
        kind = draw(st.sampled_from(("same", "reversed", "rotated", "shuffled")))
        if kind == "reversed":
            return values[::-1]
        if kind == "rotated":
            r = draw(st.integers(1, len(values) - 1))
            return values[r:] + values[:r]
        if kind == "shuffled":
            shuffled = maybe_shuffled(draw, values)
            return shuffled
        return list(values)

    return build()


@dataclass(frozen=True)
class DeleteScenario:
    """One DeleteVectors situation, as data only (the oracle decides what should happen).

    - ``stored``: unique keys to put before the test (includes ``bystanders`` and ``predeleted``).
    - ``predeleted``: subset of ``stored`` deleted (in a separate request) before the delete under test.
    - ``request``: the ``keys`` array of the delete under test, in order: keys from ``stored`` (live or
      predeleted) and keys never stored, possibly repeated and shuffled.
    - ``bystanders``: stored keys NOT in ``request`` that are near misses of requested keys (prefix, case,
      NFC/NFD, whitespace, %-encoding twins): they should survive.
    - ``label``: a short name for hand-written examples ("" when generated).
    """

    stored: tuple[str, ...]
    predeleted: tuple[str, ...] = ()
    request: tuple[str, ...] = ()
    bystanders: tuple[str, ...] = ()
    label: str = ""


def _default_request_sizes() -> st.SearchStrategy[int]:
    return weighted(
        (12, st.integers(1, 10)),
        (3, st.sampled_from((0, 1, MAX_UNIQUE_KEYS, MAX_UNIQUE_KEYS + 1))),
        (2, st.integers(2, MAX_UNIQUE_KEYS - 1)),
        (1, st.integers(MAX_UNIQUE_KEYS - 2, MAX_UNIQUE_KEYS + 3)),
    )


def _default_stored_sizes() -> st.SearchStrategy[int]:
    return weighted((9, st.integers(0, 20)), (1, st.integers(21, 600)))


def delete_scenarios(
    *,
    request_sizes: st.SearchStrategy[int] | None = None,
    stored_sizes: st.SearchStrategy[int] | None = None,
    max_bystanders: int = 4,
    duplicates: bool = True,
    predeleted: bool = True,
    shuffle: bool = True,
) -> st.SearchStrategy[DeleteScenario]:
    """Generated ``DeleteScenario`` values.

    ``request_sizes`` draws the number of UNIQUE requested keys (default: mostly 1-10, biased to 0, 1, 500, 501
    and 498-503); ``stored_sizes`` the number of plain stored keys (default 0-20, one time in ten 21-600).
    Near-miss bystander pairs (up to ``max_bystanders``) put their target in ``request`` and their twin in
    ``stored``. ``duplicates`` allows repeated entries (sometimes pushing the raw length past 500).
    """
    req_sizes = request_sizes if request_sizes is not None else _default_request_sizes()
    sto_sizes = stored_sizes if stored_sizes is not None else _default_stored_sizes()

    @st.composite
    def build(draw: st.DrawFn) -> DeleteScenario:
        n_req = draw(req_sizes)
        n_stored = draw(sto_sizes)
        targets: list[str] = []
        twins: list[str] = []
        if max_bystanders > 0 and n_req > 0:
            seen: set[str] = set()
            for target, twin in draw(st.lists(_NEAR_MISS_PAIRS, max_size=min(max_bystanders, n_req))):
                if target in seen or twin in seen or not 0 < len(target) <= MAX_KEY_LENGTH or not 0 < len(twin) <= MAX_KEY_LENGTH:
                    continue
                seen.update((target, twin))
                targets.append(target)
                twins.append(twin)
        base = _fresh_keys(draw, n_stored, exclude=[*targets, *twins])
        if predeleted and base:
            if len(base) <= _HEAD_MAX:
                mask = draw(st.lists(st.booleans(), min_size=len(base), max_size=len(base)))
                pre = [k for k, m in zip(base, mask, strict=True) if m]
            else:
                pre = seeded_sample(draw, base, draw(st.integers(0, len(base))))
        else:
            pre = []
        pre_set = set(pre)
        live = targets + [k for k in base if k not in pre_set]
        k_live = draw(st.integers(len(targets), max(len(targets), min(n_req, len(live)))))
        k_pre = draw(st.integers(0, min(n_req - k_live, len(pre))))
        never = _fresh_keys(draw, n_req - k_live - k_pre, exclude=[*targets, *twins, *base])
        unique_request = live[:k_live] + pre[:k_pre] + never
        extra = 0
        if duplicates and unique_request:
            kind = draw(st.integers(0, 9))  # 6 in 10: none; 3 in 10: a few; 1 in 10: push the raw length past 500
            if 6 <= kind < 9:
                extra = draw(st.integers(1, 5))
            elif kind == 9:
                lo = max(1, MAX_UNIQUE_KEYS + 1 - len(unique_request))
                extra = draw(st.integers(lo, max(lo, 2 * MAX_UNIQUE_KEYS - len(unique_request))))
        request = _with_duplicates(draw, unique_request, extra) if extra else list(unique_request)
        if shuffle:
            request = maybe_shuffled(draw, request)
        return DeleteScenario(
            stored=(*targets, *base, *twins),
            predeleted=tuple(pre),
            request=tuple(request),
            bystanders=tuple(twins),
        )

    return build()


def _numbered(n: int, stem: str = "doc-") -> tuple[str, ...]:
    return tuple(f"{stem}{i:04d}" for i in range(n))


def scenario_examples() -> tuple[DeleteScenario, ...]:
    """Hand-written boundary scenarios for ``@example``: 0/1/500/501 unique, 1024-code-point keys, duplicates, twins."""
    n = MAX_UNIQUE_KEYS
    five_hundred = _numbered(n)
    long_ascii = "a" * MAX_KEY_LENGTH
    long_two_byte = "é" * MAX_KEY_LENGTH  # 1024 code points, 2048 bytes
    long_emoji = "😀" * MAX_KEY_LENGTH  # 1024 code points, 2048 UTF-16 units, 4096 bytes
    return (
        DeleteScenario(stored=("doc-1",), request=(), label="zero_unique_keys"),
        DeleteScenario(stored=("doc-1", "doc-2"), request=("doc-1",), label="one_unique_key"),
        DeleteScenario(stored=(), request=("never-stored",), label="one_never_stored_key"),
        DeleteScenario(stored=five_hundred, request=five_hundred, label="500_unique_keys"),
        DeleteScenario(stored=_numbered(n + 1), request=_numbered(n + 1), label="501_unique_keys"),
        DeleteScenario(stored=five_hundred[:10], request=five_hundred, label="500_unique_mostly_never_stored"),
        DeleteScenario(
            stored=(long_ascii, long_two_byte, long_emoji, "a" * (MAX_KEY_LENGTH - 1)),
            request=(long_ascii, long_two_byte, long_emoji),
            bystanders=("a" * (MAX_KEY_LENGTH - 1),),
            label="1024_code_point_keys",
        ),
        DeleteScenario(stored=("a",), request=("a" * (MAX_KEY_LENGTH + 1),), label="1025_code_point_key"),
        DeleteScenario(stored=five_hundred, request=(*five_hundred, five_hundred[0]), label="501_raw_500_unique"),
        DeleteScenario(stored=five_hundred, request=five_hundred + five_hundred, label="1000_raw_500_unique"),
        DeleteScenario(stored=_numbered(n + 1), request=(*_numbered(n + 1), "doc-0000"), label="502_raw_501_unique"),
        DeleteScenario(stored=("doc-1",), request=("doc-1",) * 501, label="501_raw_1_unique"),
        DeleteScenario(
            stored=("doc-1", "doc-2", "doc-3"),
            predeleted=("doc-2",),
            request=("doc-1", "doc-2", "doc-9"),
            label="predeleted_and_never_stored",
        ),
        DeleteScenario(
            stored=("doc-1", "doc-10", "Doc-1", "doc-1 ", " doc-1", "doc-", "doc%2F1", "doc/1", "caf\u00e9", "cafe\u0301"),
            request=("doc-1", "doc/1", "caf\u00e9"),
            bystanders=("doc-10", "Doc-1", "doc-1 ", " doc-1", "doc-", "doc%2F1", "cafe\u0301"),
            label="near_miss_bystanders",
        ),
    )


@dataclass(frozen=True)
class KeySplit:
    """Two key lists over one stored set, for commutativity: delete(first); delete(second) vs delete(union())."""

    stored: tuple[str, ...]
    first: tuple[str, ...]
    second: tuple[str, ...]

    def union(self) -> tuple[str, ...]:
        """``first`` then the entries of ``second`` not already present (order kept, no repeats)."""
        seen: set[str] = set()
        out: list[str] = []
        for k in (*self.first, *self.second):
            if k not in seen:
                seen.add(k)
                out.append(k)
        return tuple(out)


def split_pairs(*, max_stored: int = 20, max_absent: int = 3) -> st.SearchStrategy[KeySplit]:
    """``KeySplit`` values: two non-empty unique lists drawn from ``stored`` plus up to ``max_absent`` never-stored keys.

    The two lists may overlap or be disjoint; their union is at most ``max_stored + max_absent`` keys.
    """

    @st.composite
    def build(draw: st.DrawFn) -> KeySplit:
        stored = _fresh_keys(draw, draw(st.integers(1, max_stored)))
        absent = _fresh_keys(draw, draw(st.integers(0, max_absent)), exclude=stored)
        pool = stored + absent
        n = len(pool)
        membership = draw(st.lists(st.sampled_from(("first", "second", "both", "neither")), min_size=n, max_size=n))
        first = [k for k, m in zip(pool, membership, strict=True) if m in ("first", "both")] or [pool[0]]
        second = [k for k, m in zip(pool, membership, strict=True) if m in ("second", "both")] or [pool[-1]]
        return KeySplit(
            stored=tuple(stored), first=tuple(maybe_shuffled(draw, first)), second=tuple(maybe_shuffled(draw, second))
        )

    return build()
