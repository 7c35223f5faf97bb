"""Setup payloads: float32-exact, never zero, small metadata; valid and invalid index names."""

from __future__ import annotations

import json
import re
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strategies import vectors as v
from tests.helpers.hypothesis_settings import fast, minimal, reaches

INDEX_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")


def _is_float32(x: float) -> bool:
    return bool(struct.unpack("<f", struct.pack("<f", x))[0] == x)


@fast(40)
@given(st.lists(st.text(min_size=1, max_size=5), unique=True, max_size=20), v.dimensions(), st.booleans(), st.data())
def test_vector_records_match_keys_and_are_float32_exact(keys: list[str], dim: int, extreme: bool, data: st.DataObject) -> None:
    records = data.draw(v.vector_records(keys, dim, extreme=extreme))
    assert [r["key"] for r in records] == keys
    for r in records:
        values = r["data"]["float32"]
        assert len(values) == dim
        assert all(_is_float32(x) for x in values)
        assert any(abs(x) >= 1e-3 for x in values)  # not a zero vector
        meta = r.get("metadata", {})
        assert meta != {} or "metadata" not in r
        assert len(meta) <= 4
        assert len(json.dumps(meta, ensure_ascii=False).encode()) < 2048
        json.dumps(r, allow_nan=False)


def test_vector_data_shrinks_to_unit_vector() -> None:
    assert minimal(v.vector_data(3), lambda _: True) == [1.0, 0.0, 0.0]


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
def test_vector_records_for_600_keys() -> None:
    keys = [f"k{i}" for i in range(600)]
    records = reaches(v.vector_records(keys, 8), lambda rs: len(rs) == 600, max_examples=1)
    assert [r["key"] for r in records] == keys


@fast(60)
@given(v.index_names())
def test_index_names_follow_documented_shape(name: str) -> None:
    assert INDEX_NAME.fullmatch(name)


@fast(60)
@given(v.invalid_index_names())
def test_invalid_index_names_break_documented_shape(name: str) -> None:
    assert not INDEX_NAME.fullmatch(name)


@fast(60)
@given(v.metadata_values())
def test_metadata_values_have_documented_types(value: v.MetadataValue) -> None:
    if isinstance(value, list):
        assert all(isinstance(x, str) for x in value)
    else:
        assert isinstance(value, str | int | float | bool)
    if isinstance(value, float):
        assert _is_float32(value)
