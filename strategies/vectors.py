"""Vector payloads and index parameters for test setup (PutVectorIndex / PutVectors), not for judging.

Every float is exactly representable as float32, so what is stored is what was sent; vectors are never
(near-)zero, so cosine indexes accept them; metadata stays well under the 2 KB filterable limit.
For many keys a small pool of drawn records is reused cyclically, keeping generation cheap.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import NotRequired, TypedDict

from hypothesis import strategies as st

__all__ = [
    "MetadataValue",
    "VectorData",
    "VectorRecord",
    "dimensions",
    "distance_metrics",
    "float32_values",
    "index_names",
    "invalid_index_names",
    "metadata_maps",
    "metadata_values",
    "vector_data",
    "vector_records",
]

MetadataValue = str | list[str] | int | float | bool


class VectorData(TypedDict):
    float32: list[float]


class VectorRecord(TypedDict):
    """One PutVectors item; ``metadata`` is omitted when there is none."""

    key: str
    data: VectorData
    metadata: NotRequired[dict[str, MetadataValue]]


_POOL_MAX = 8
_MIN_MAGNITUDE = 1e-3  # below this everywhere, a vector is treated as "zero-ish" and nudged
_LETTERS = string.ascii_lowercase + string.ascii_uppercase
_SHORT_TEXT = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=16),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=8),
)


def float32_values(*, extreme: bool = False) -> st.SearchStrategy[float]:
    """Finite floats exactly representable as float32; by default within +-1e6 (``extreme=True``: full float32 range)."""
    if extreme:
        return st.floats(width=32, allow_nan=False, allow_infinity=False)
    return st.floats(min_value=-1e6, max_value=1e6, width=32, allow_nan=False, allow_infinity=False)


def _non_zero(values: list[float]) -> list[float]:
    if all(abs(v) < _MIN_MAGNITUDE for v in values):
        return [1.0, *values[1:]]
    return values


def vector_data(dimension: int, *, extreme: bool = False) -> st.SearchStrategy[list[float]]:
    """``dimension`` float32-exact components, never all (near) zero (shrinks to ``[1.0, 0.0, ...]``)."""
    if dimension < 1:
        raise ValueError("dimension must be >= 1")
    return st.lists(float32_values(extreme=extreme), min_size=dimension, max_size=dimension).map(_non_zero)


def metadata_values() -> st.SearchStrategy[MetadataValue]:
    """Small metadata values: string (ASCII or Unicode), list of strings, integer, float32-exact number, bool."""
    return st.one_of(
        _SHORT_TEXT,
        st.lists(_SHORT_TEXT, max_size=4),
        st.integers(-(2**31), 2**31 - 1),
        float32_values(),
        st.booleans(),
    )


def metadata_maps(max_fields: int = 4) -> st.SearchStrategy[dict[str, MetadataValue]]:
    """Metadata objects: up to ``max_fields`` fields named like identifiers (``[A-Za-z_][A-Za-z0-9_]*``)."""
    names = st.tuples(st.sampled_from(_LETTERS + "_"), st.text(st.sampled_from(_LETTERS + string.digits + "_"), max_size=15)).map(
        "".join
    )
    return st.dictionaries(names, metadata_values(), max_size=max_fields)


def _record(key: str, data: list[float], metadata: dict[str, MetadataValue]) -> VectorRecord:
    record: VectorRecord = {"key": key, "data": {"float32": data}}
    if metadata:
        record["metadata"] = metadata
    return record


def vector_records(
    keys: Sequence[str], dimension: int, *, metadata: bool = True, extreme: bool = False
) -> st.SearchStrategy[list[VectorRecord]]:
    """One PutVectors record per key (in order); at most 8 distinct data/metadata payloads, reused cyclically."""
    keys = list(keys)
    pool_size = max(1, min(len(keys), _POOL_MAX))
    meta = metadata_maps() if metadata else st.just({})
    payloads = st.lists(st.tuples(vector_data(dimension, extreme=extreme), meta), min_size=pool_size, max_size=pool_size)
    return payloads.map(lambda pool: [_record(k, *pool[i % len(pool)]) for i, k in enumerate(keys)])


def index_names() -> st.SearchStrategy[str]:
    """Valid index names: 1-63 letters and digits, starting with a letter (digest §7). Shrinks to ``"a"``."""
    return st.tuples(st.sampled_from(_LETTERS), st.text(st.sampled_from(_LETTERS + string.digits), max_size=62)).map("".join)


def invalid_index_names() -> st.SearchStrategy[str]:
    """Names outside the documented shape: empty, 64+ chars, leading digit, ``-``/``_``/``.``, non-ASCII, spaces."""
    return st.one_of(
        st.just(""),
        st.tuples(st.sampled_from(_LETTERS), st.text(st.sampled_from(_LETTERS + string.digits), min_size=63, max_size=80)).map(
            "".join
        ),
        st.tuples(st.sampled_from(string.digits), st.text(st.sampled_from(_LETTERS), max_size=8)).map("".join),
        st.tuples(st.text(st.sampled_from(_LETTERS), min_size=1, max_size=8), st.sampled_from("-_. /%")).map("".join),
        st.sampled_from(("índice", "索引", "index\u0301", " index", "index ", "in dex")),
    )


def dimensions(max_dimension: int = 16) -> st.SearchStrategy[int]:
    """Index dimensions, 1..``max_dimension`` (documented range is 1-4096; small keeps setup fast)."""
    return st.integers(1, max_dimension)


def distance_metrics() -> st.SearchStrategy[str]:
    """The documented metrics: ``euclidean`` (default) and ``cosine``."""
    return st.sampled_from(("euclidean", "cosine"))
