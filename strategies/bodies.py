"""Request bodies (raw ``bytes``) and Content-Type / Content-MD5 variants for DeleteVectors.

Body strategies take the index name and keys to embed, so the suite can point them at real resources.
Three kinds:

- ``valid_json_bodies``: the same object ``{"indexName": index, "keys": keys}`` in many spellings
  (optionally plus members from ``UNKNOWN_MEMBER_NAMES``).
- ``malformed_json_bodies`` / ``malformed_families``: broken or doubtful JSON, labelled by family. Families
  are classed honestly (``INVALID_JSON_FAMILIES`` never parse under a strict RFC 8259 parser;
  ``AMBIGUOUS_JSON_FAMILIES`` are ones the RFC lets parsers treat either way; ``NON_OBJECT_JSON_FAMILIES``
  are valid JSON whose top level is not an object).
- ``wrong_type_bodies`` / ``wrong_type_families``: well-formed JSON objects with wrong member types,
  missing members or member-name case variants.

None of this says what the server should answer; the oracle judges the bytes that were sent.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Union

from hypothesis import strategies as st

from conformance.jsonparse import BodyClass
from strategies._util import weighted

__all__ = [
    "AMBIGUOUS_JSON_FAMILIES",
    "COMPACT",
    "CONTENT_TYPES",
    "FAMILY_CLASSES",
    "INVALID_JSON_FAMILIES",
    "NON_OBJECT_JSON_FAMILIES",
    "PRETTY",
    "SDK",
    "UNKNOWN_MEMBER_NAMES",
    "WRONG_TYPE_FAMILY_NAMES",
    "HeaderVariant",
    "Json",
    "JsonStyle",
    "Md5Mode",
    "Obj",
    "encode_json",
    "header_variants",
    "json_styles",
    "malformed_families",
    "malformed_json_bodies",
    "strictly_malformed_json_bodies",
    "valid_json_bodies",
    "wrong_type_bodies",
    "wrong_type_families",
]


# --------------------------------------------------------------------------------------------------
# A small JSON writer whose spelling we control (member order, duplicates, escapes, whitespace).


@dataclass(frozen=True)
class Obj:
    """A JSON object as ordered (name, value) pairs: keeps order and allows duplicate names."""

    members: tuple[tuple[str, Json], ...]


Json = Union[None, bool, int, float, str, list["Json"], dict[str, "Json"], Obj]  # noqa: UP007 (recursive alias)


@dataclass(frozen=True)
class JsonStyle:
    """How to spell JSON: separators, indentation, string escaping and surrounding whitespace.

    ``escape``: ``raw`` (UTF-8 as is), ``ascii`` (non-ASCII as ``\\uXXXX``, non-BMP as surrogate pairs, like
    ``json.dumps``), ``all`` (every character of every string as ``\\uXXXX``). Lone surrogates are always escaped.
    """

    item_sep: str = ","
    name_sep: str = ":"
    indent: str | None = None
    escape: str = "raw"
    upper_hex: bool = False
    escape_slash: bool = False
    leading: str = ""
    trailing: str = ""


COMPACT = JsonStyle()
"""Go SDK style: ``{"indexName":"i","keys":["a"]}``, raw UTF-8."""
SDK = JsonStyle(item_sep=", ", name_sep=": ", escape="ascii")
"""Python SDK style (``json.dumps`` defaults): ``{"indexName": "i", "keys": ["a"]}``, non-ASCII escaped."""
PRETTY = JsonStyle(name_sep=": ", indent="  ", trailing="\n")
"""Indented two spaces, raw UTF-8, final newline."""

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _u(cp: int, upper: bool) -> str:
    if cp > 0xFFFF:
        cp -= 0x10000
        return _u(0xD800 + (cp >> 10), upper) + _u(0xDC00 + (cp & 0x3FF), upper)
    text = f"\\u{cp:04x}"
    return text.upper().replace("\\U", "\\u") if upper else text


def _encode_string(s: str, style: JsonStyle) -> str:
    out = ['"']
    for ch in s:
        cp = ord(ch)
        if style.escape == "all":
            out.append(_u(cp, style.upper_hex))
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ch == "/" and style.escape_slash:
            out.append("\\/")
        elif cp < 0x20 or 0xD800 <= cp <= 0xDFFF or (style.escape == "ascii" and cp > 0x7E):
            out.append(_u(cp, style.upper_hex))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _encode(value: object, style: JsonStyle, level: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _encode_string(value, style)
    if isinstance(value, Mapping):
        value = Obj(tuple(value.items()))
    if isinstance(value, Obj):
        parts = [_encode_string(k, style) + style.name_sep + _encode(v, style, level + 1) for k, v in value.members]
        return _container("{", parts, "}", style, level)
    if isinstance(value, list | tuple):
        return _container("[", [_encode(v, style, level + 1) for v in value], "]", style, level)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _container(open_: str, parts: list[str], close: str, style: JsonStyle, level: int) -> str:
    if not parts:
        return open_ + close
    if style.indent is None:
        return open_ + style.item_sep.join(parts) + close
    inner = "\n" + style.indent * (level + 1)
    return open_ + inner + ("," + inner).join(parts) + "\n" + style.indent * level + close


def encode_json(value: object, style: JsonStyle = COMPACT) -> bytes:
    """Serialise ``value`` (a ``Json``-shaped value; mappings and tuples allowed) in ``style`` to UTF-8 bytes.

    ``Obj`` keeps member order and duplicate names; lone surrogates are always written as escapes.
    """
    return (style.leading + _encode(value, style, 0) + style.trailing).encode("utf-8")


_WS = " \t\n\r"


def json_styles() -> st.SearchStrategy[JsonStyle]:
    """Spellings of the same JSON: the three presets first (shrinks to ``COMPACT``), then free combinations."""
    free = st.builds(
        JsonStyle,
        item_sep=st.sampled_from((",", ", ", " , ", ",\n", ",\t", ",\r\n  ")),
        name_sep=st.sampled_from((":", ": ", " : ", ":\n", "\t:\t")),
        indent=st.sampled_from((None, "  ", "    ", "\t")),
        escape=st.sampled_from(("raw", "ascii", "all")),
        upper_hex=st.booleans(),
        escape_slash=st.booleans(),
        leading=st.text(st.sampled_from(_WS), max_size=3),
        trailing=st.text(st.sampled_from(_WS), max_size=3),
    )
    return weighted((1, st.sampled_from((COMPACT, SDK, PRETTY))), (2, free))


# --------------------------------------------------------------------------------------------------
# Valid bodies

UNKNOWN_MEMBER_NAMES = ("foo", "extra", "_comment", "returnData", "vectorBucketName")
"""Names of the extra, undocumented members ``valid_json_bodies`` may add (strip these to compare)."""

_EXTRA_VALUES: tuple[Json, ...] = (1, None, "bar", True, [], {"a": [1, 2.5, "x"]}, "ünï/cødé")
# Built once: constructing strategy trees inside a draw is the slow part of generation.
_STYLES = json_styles()
_EXTRA_NAMES = st.lists(st.sampled_from(UNKNOWN_MEMBER_NAMES), unique=True, max_size=3)
_EXTRA_VALUE = st.sampled_from(_EXTRA_VALUES)


def _members(index: str | None, keys: Json, index_first: bool = True) -> list[tuple[str, Json]]:
    members: list[tuple[str, Json]] = [] if index is None else [("indexName", index)]
    members.append(("keys", keys))
    return members if index_first else members[::-1]


def valid_json_bodies(index: str, keys: Sequence[str], *, extra_members: bool = True) -> st.SearchStrategy[bytes]:
    """``{"indexName": index, "keys": keys}`` spelled many ways (order, whitespace, escapes, extra unknown members).

    Each body parses (strictly) to that object, plus members named in ``UNKNOWN_MEMBER_NAMES`` when
    ``extra_members``. Shrinks to the compact form without extras.
    """
    key_list: list[Json] = list(keys)

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        style = draw(_STYLES)
        members = _members(index, key_list, index_first=not draw(st.booleans()))
        if extra_members:
            names = draw(_EXTRA_NAMES)
            for name in names:
                pos = draw(st.integers(0, len(members)))
                members.insert(pos, (name, draw(_EXTRA_VALUE)))
        return encode_json(Obj(tuple(members)), style)

    return build()


# --------------------------------------------------------------------------------------------------
# Malformed bodies, by family

_Builder = Callable[[str, list[str]], st.SearchStrategy[bytes]]


def _obj_tokens(index: str, keys: list[str], key_items: list[str] | None = None) -> list[str]:
    """Compact body as tokens, so a family can insert or drop something between any two."""
    items = key_items if key_items is not None else [_encode_string(k, COMPACT) for k in keys]
    tokens = ["{", '"indexName"', ":", _encode_string(index, COMPACT), ",", '"keys"', ":", "["]
    for i, item in enumerate(items):
        if i:
            tokens.append(",")
        tokens.append(item)
    return [*tokens, "]", "}"]


def _compact(index: str, keys: list[str]) -> bytes:
    return encode_json(Obj(tuple(_members(index, list[Json](keys)))), COMPACT)


def _b(text: str) -> bytes:
    return text.encode("utf-8")


def _truncated(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    """A valid spelling cut anywhere before its final ``}`` (so never complete)."""
    source = valid_json_bodies(index, keys, extra_members=False)

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        body = draw(source)
        return body[: draw(st.integers(1, body.rindex(b"}")))]

    return build()


def _trailing_comma_object(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    body = _compact(index, keys)
    return st.sampled_from((body[:-1] + b",}", body[:-1] + b", }", body[:-1] + b",\n}"))


def _trailing_comma_array(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    tokens = _obj_tokens(index, keys)
    tokens.insert(len(tokens) - 2, ",")
    return st.just(_b("".join(tokens)))


def _single_quoted(s: str) -> str:
    return "'" + _encode_string(s, COMPACT)[1:-1].replace("'", "\\'") + "'"


def _single_quotes(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    def build(where: str) -> bytes:
        name = _single_quoted if where in ("names", "all") else (lambda s: _encode_string(s, COMPACT))
        value = _single_quoted if where in ("values", "all") else (lambda s: _encode_string(s, COMPACT))
        items = ",".join(value(k) for k in keys)
        return _b("{" + name("indexName") + ":" + value(index) + "," + name("keys") + ":[" + items + "]}")

    return st.sampled_from(("all", "names", "values")).map(build)


def _unquoted_member_names(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    items = ",".join(_encode_string(k, COMPACT) for k in keys)
    idx = _encode_string(index, COMPACT)
    return st.sampled_from(
        (
            "{indexName:" + idx + ",keys:[" + items + "]}",
            "{indexName:" + idx + ',"keys":[' + items + "]}",
            '{"indexName":' + idx + ",keys:[" + items + "]}",
        )
    ).map(_b)


def _insert_between_tokens(tokens: list[str], insert: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        pos = draw(st.integers(0, len(tokens)))
        return _b("".join(tokens[:pos])) + draw(insert) + _b("".join(tokens[pos:]))

    return build()


def _comments(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    comment = st.sampled_from((b"/* c */", b"// c\n", b"/**/", b"# c\n"))
    return _insert_between_tokens(_obj_tokens(index, keys), comment)


def _bad_literal_in(index: str, keys: list[str], literals: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    """A bad literal as an extra member value, or as an extra item of ``keys``."""
    items = [_encode_string(k, COMPACT) for k in keys]

    def build(t: tuple[str, bool]) -> bytes:
        literal, in_keys = t
        if in_keys:
            return _b("".join(_obj_tokens(index, keys, [*items, literal])))
        return _compact(index, keys)[:-1] + _b(',"foo":' + literal + "}")

    return st.tuples(st.sampled_from(literals), st.booleans()).map(build)


def _nan_infinity(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return _bad_literal_in(index, keys, ("NaN", "Infinity", "-Infinity", "+Infinity", "nan", "inf"))


def _invalid_numbers(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return _bad_literal_in(index, keys, ("01", "+1", ".5", "1.", "0x10", "1e", "-", "1_000", "--1", "١"))


_BAD_UTF8 = (b"\xff", b"\xfe", b"\x80", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80", b"\xc3")


@st.composite
def _string_with_insert(draw: st.DrawFn, index: str, keys: list[str], payload: st.SearchStrategy[bytes]) -> bytes:
    """The compact body with ``payload`` spliced inside one string (index name, a key, or an extra member value)."""
    target = draw(st.sampled_from(("indexName", "key", "extra") if keys else ("indexName", "extra")))
    i = draw(st.integers(0, len(keys) - 1)) if target == "key" else 0
    host = index if target == "indexName" else keys[i] if target == "key" else "value"
    at = draw(st.integers(0, len(host)))
    inside = _b(_encode_string(host[:at], COMPACT)[:-1]) + draw(payload) + _b(_encode_string(host[at:], COMPACT)[1:])
    items = [_b(_encode_string(k, COMPACT)) for k in keys]
    if target == "key":
        items[i] = inside
    name = inside if target == "indexName" else _b(_encode_string(index, COMPACT))
    extra = b',"foo":' + inside if target == "extra" else b""
    return b'{"indexName":' + name + b',"keys":[' + b",".join(items) + b"]" + extra + b"}"


def _invalid_utf8_in_string(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return _string_with_insert(index, keys, st.sampled_from(_BAD_UTF8))


def _invalid_utf8_outside_string(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return _insert_between_tokens(_obj_tokens(index, keys), st.sampled_from(_BAD_UTF8))


def _empty_body(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return st.just(b"")


def _whitespace_only(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return st.text(st.sampled_from(_WS), min_size=1, max_size=8).map(_b)


_DEPTHS = (1_000, 10_000, 100_000)


def _deep_nesting_unbalanced(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    prefix = b'{"indexName":' + _b(_encode_string(index, COMPACT)) + b',"keys":'
    shapes = st.sampled_from((b"[", b'{"a":', b"[{}"))
    where = st.sampled_from((b"", prefix))
    return st.tuples(where, shapes, st.sampled_from(_DEPTHS)).map(lambda t: t[0] + t[1] * t[2])


def _unterminated_string(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    idx = _encode_string(index, COMPACT)
    options = [
        '{"indexName":' + idx[:-1],
        '{"indexName',
        '{"indexName":' + idx[:-1] + '\\"}',
        '{"indexName":' + idx + ',"keys":["',
    ]
    if keys:
        first = _encode_string(keys[0], COMPACT)
        options.append('{"indexName":' + idx + ',"keys":[' + first[:-1])
        options.append('{"indexName":' + idx + ',"keys":[' + first[:-1] + "]}")
    return st.sampled_from(options).map(_b)


def _raw_control_chars(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return _string_with_insert(index, keys, st.integers(0x00, 0x1F).map(lambda c: bytes([c])))


def _trailing_garbage(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    garbage = st.sampled_from((b"x", b"}", b"]", b",", b"null", b"\x00", b";", b"abc", b'"'))
    return st.tuples(st.sampled_from((b"", b" ", b"\n")), garbage).map(lambda t: _compact(index, keys) + t[0] + t[1])


def _concatenated_objects(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    body = _compact(index, keys)
    return st.sampled_from((b"", b" ", b"\n", b"\r\n")).map(lambda sep: body + sep + body)


def _invalid_escapes(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    escapes = st.sampled_from(
        (b"\\x41", b"\\a", b"\\u12G4", b"\\u00g1", b"\\uXYZW", b"\\u12 ", b"\\U0001F600", b"\\'", b"\\\n", b"\\0", b"\\ ")
    )
    return _string_with_insert(index, keys, escapes)


def _structural_errors(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    idx = _encode_string(index, COMPACT)
    items = [_encode_string(k, COMPACT) for k in keys] or ['"doc-1"']
    joined = ",".join(items)
    return st.sampled_from(
        (
            '{"indexName":' + idx + ',"keys":[' + joined + "}}",  # ] replaced by }
            '{"indexName":' + idx + ',"keys":[' + joined + "]]",  # } replaced by ]
            '{"indexName":' + idx + ',"keys":(' + joined + ")}",
            '{"indexName" ' + idx + ',"keys":[' + joined + "]}",  # missing colon
            '{"indexName":' + idx + ' "keys":[' + joined + "]}",  # missing comma between members
            '{"indexName":' + idx + ',"keys":[' + " ".join([*items, items[0]]) + "]}",  # missing comma between items
            '{"indexName":' + idx + ',,"keys":[' + joined + "]}",
            '{"indexName":' + idx + ',"keys":[,' + joined + "]}",
            '{"indexName":' + idx + ',"keys":[' + joined + "]",  # missing close
            '"indexName":' + idx + ',"keys":[' + joined + "]}",  # missing open
        )
    ).map(_b)


# ambiguous families


def _utf8_bom(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return valid_json_bodies(index, keys, extra_members=False).map(lambda b: b"\xef\xbb\xbf" + b)


def _duplicate_members(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    key_list: list[Json] = list(keys)
    candidates: list[list[Json]] = [[], ["doc-other"], key_list[:1], [*key_list[::-1], "doc-other"]]
    other_keys = [k for k in candidates if k != key_list]
    other_index = "otherIndex" if index != "otherIndex" else "otherIndex2"

    def build(t: tuple[str, int, bool]) -> bytes:
        which, i, documented_first = t
        pairs: list[tuple[str, Json]]
        if which == "keys":
            a, b = key_list, other_keys[i % len(other_keys)]
            first, second = (a, b) if documented_first else (b, a)
            pairs = [("indexName", index), ("keys", first), ("keys", second)]
        else:
            x, y = (index, other_index) if documented_first else (other_index, index)
            pairs = [("indexName", x), ("indexName", y), ("keys", key_list)]
        return encode_json(Obj(tuple(pairs)), COMPACT)

    return st.tuples(st.sampled_from(("keys", "indexName")), st.integers(0, 3), st.booleans()).map(build)


def _lone_surrogate_escape(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    escapes = st.sampled_from((b"\\ud800", b"\\udfff", b"\\udc00\\ud800", b"\\ud83d", b"\\uDBFF"))
    return _string_with_insert(index, keys, escapes)


def _deep_nesting_balanced(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    prefix = b'{"indexName":' + _b(_encode_string(index, COMPACT)) + b',"keys":'
    return st.sampled_from(_DEPTHS).map(lambda n: prefix + b"[" * n + b"]" * n + b"}")


# valid JSON, not an object


def _ws_around(body: bytes) -> st.SearchStrategy[bytes]:
    return st.tuples(st.sampled_from((b"", b" ", b"\n")), st.sampled_from((b"", b" ", b"\n"))).map(lambda t: t[0] + body + t[1])


def _top_level_null(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return _ws_around(b"null")


def _top_level_array(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    key_list: list[Json] = list(keys)
    obj = Obj(tuple(_members(index, key_list)))
    return st.sampled_from((b"[]", encode_json([obj]), encode_json(key_list), encode_json([index, key_list])))


def _top_level_string(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    double_encoded = _compact(index, keys).decode("utf-8")
    return st.sampled_from(('""', _encode_string(index, COMPACT), _encode_string(double_encoded, COMPACT))).map(_b)


def _top_level_number(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return st.sampled_from((b"0", b"1", b"-1", b"500", b"1.5e3", b"-0")).flatmap(_ws_around)


def _top_level_bool(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    return st.sampled_from((b"true", b"false")).flatmap(_ws_around)


_INVALID: tuple[tuple[str, _Builder], ...] = (
    ("truncated", _truncated),
    ("trailing_comma_object", _trailing_comma_object),
    ("trailing_comma_array", _trailing_comma_array),
    ("single_quotes", _single_quotes),
    ("unquoted_member_names", _unquoted_member_names),
    ("comments", _comments),
    ("nan_infinity_literals", _nan_infinity),
    ("invalid_numbers", _invalid_numbers),
    ("invalid_utf8_in_string", _invalid_utf8_in_string),
    ("invalid_utf8_outside_string", _invalid_utf8_outside_string),
    ("empty_body", _empty_body),
    ("whitespace_only", _whitespace_only),
    ("deep_nesting_unbalanced", _deep_nesting_unbalanced),
    ("unterminated_string", _unterminated_string),
    ("raw_control_chars_in_string", _raw_control_chars),
    ("trailing_garbage", _trailing_garbage),
    ("concatenated_objects", _concatenated_objects),
    ("invalid_escapes", _invalid_escapes),
    ("structural_errors", _structural_errors),
)
_AMBIGUOUS: tuple[tuple[str, _Builder], ...] = (
    ("utf8_bom", _utf8_bom),  # RFC 8259 §8.1: senders MUST NOT add one, parsers MAY ignore it
    ("duplicate_members", _duplicate_members),  # §4: names SHOULD be unique; behaviour otherwise unpredictable
    ("lone_surrogate_escape", _lone_surrogate_escape),  # §8.2: grammatical, but not valid Unicode text
    ("deep_nesting_balanced", _deep_nesting_balanced),  # §9: parsers MAY limit nesting depth
)
_NON_OBJECT: tuple[tuple[str, _Builder], ...] = (
    ("top_level_null", _top_level_null),
    ("top_level_array", _top_level_array),
    ("top_level_string", _top_level_string),
    ("top_level_number", _top_level_number),
    ("top_level_bool", _top_level_bool),
)

_MALFORMED, _AMBIG, _VALID = BodyClass.MALFORMED, BodyClass.AMBIGUOUS, BodyClass.VALID
FAMILY_CLASSES: dict[str, frozenset[BodyClass]] = {
    **{name: frozenset({_MALFORMED}) for name, _ in _INVALID},
    **{name: frozenset({_AMBIG}) for name, _ in _AMBIGUOUS},
    **{name: frozenset({_VALID}) for name, _ in _NON_OBJECT},
}
"""The class ``conformance.jsonparse.classify`` gives every body of each family: the one definition of
malformed JSON (RFC 8259) the oracle uses, so a generator cannot call a body invalid that the oracle does not."""

INVALID_JSON_FAMILIES = frozenset(name for name, _ in _INVALID)
"""Families that no strict RFC 8259 parser accepts (UTF-8 checked, no NaN/Infinity, no BOM)."""
AMBIGUOUS_JSON_FAMILIES = frozenset(name for name, _ in _AMBIGUOUS)
"""Families a conforming parser may accept or reject: BOM, duplicate members, lone surrogates, 1000+ nesting."""
NON_OBJECT_JSON_FAMILIES = frozenset(name for name, _ in _NON_OBJECT)
"""Valid JSON whose top level is not an object (null, array, string, number, bool)."""


def malformed_families(index: str, keys: Sequence[str]) -> tuple[tuple[str, st.SearchStrategy[bytes]], ...]:
    """``(family name, strategy)`` for every malformed/doubtful JSON family; classify names with the ``*_FAMILIES`` sets."""
    key_list = list(keys)
    return tuple((name, builder(index, key_list)) for name, builder in (*_INVALID, *_AMBIGUOUS, *_NON_OBJECT))


def malformed_json_bodies(index: str, keys: Sequence[str]) -> st.SearchStrategy[bytes]:
    """Bodies from every family in ``malformed_families`` (invalid, ambiguous and non-object)."""
    return st.one_of([s for _, s in malformed_families(index, keys)])


def strictly_malformed_json_bodies(index: str, keys: Sequence[str]) -> st.SearchStrategy[bytes]:
    """Only the ``INVALID_JSON_FAMILIES``: bodies that are not JSON by any reading of RFC 8259."""
    return st.one_of([s for name, s in malformed_families(index, keys) if name in INVALID_JSON_FAMILIES])


# --------------------------------------------------------------------------------------------------
# Well-formed objects with wrong types or missing/misspelt members


def _object_styles() -> st.SearchStrategy[JsonStyle]:
    return st.sampled_from((COMPACT, SDK, PRETTY))


def _with_members(members: st.SearchStrategy[list[tuple[str, Json]]]) -> st.SearchStrategy[bytes]:
    return st.tuples(members, _object_styles()).map(lambda t: encode_json(Obj(tuple(t[0])), t[1]))


def _keys_as(values: Sequence[Json]) -> Callable[[str, list[str]], st.SearchStrategy[bytes]]:
    def builder(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
        return _with_members(st.sampled_from(values).map(lambda v: _members(index, v)))

    return builder


def _keys_from(make: Callable[[list[str]], Sequence[Json]]) -> Callable[[str, list[str]], st.SearchStrategy[bytes]]:
    def builder(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
        return _with_members(st.sampled_from(make(keys)).map(lambda v: _members(index, v)))

    return builder


def _index_as(values: Sequence[Json]) -> Callable[[str, list[str]], st.SearchStrategy[bytes]]:
    def builder(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
        key_list: list[Json] = list(keys)
        return _with_members(st.sampled_from(values).map(lambda v: [("indexName", v), ("keys", key_list)]))

    return builder


def _first(keys: list[str]) -> str:
    return keys[0] if keys else "doc-1"


def _index_from(make: Callable[[str], Sequence[Json]]) -> Callable[[str, list[str]], st.SearchStrategy[bytes]]:
    def builder(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
        key_list: list[Json] = list(keys)
        return _with_members(st.sampled_from(make(index)).map(lambda v: [("indexName", v), ("keys", key_list)]))

    return builder


def _missing(which: str) -> Callable[[str, list[str]], st.SearchStrategy[bytes]]:
    def builder(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
        key_list: list[Json] = list(keys)
        if which == "keys":
            options: list[list[tuple[str, Json]]] = [[("indexName", index)]]
        elif which == "indexName":
            options = [[("keys", key_list)]]
        elif which == "both":
            options = [[("foo", 1)], [("indexname", index), ("key", key_list)], [("index", index), ("ids", key_list)]]
        else:  # empty object
            options = [[]]
        return _with_members(st.sampled_from(options))

    return builder


def _member_name_case(index: str, keys: list[str]) -> st.SearchStrategy[bytes]:
    key_list: list[Json] = list(keys)
    options: list[list[tuple[str, Json]]] = [
        [("indexName", index), ("Keys", key_list)],
        [("indexName", index), ("KEYS", key_list)],
        [("IndexName", index), ("keys", key_list)],
        [("indexname", index), ("keys", key_list)],
        [("INDEXNAME", index), ("keys", key_list)],
        [("index_name", index), ("keys", key_list)],
        [("IndexName", index), ("Keys", key_list)],
    ]
    return _with_members(st.sampled_from(options))


_WRONG_TYPES: tuple[tuple[str, _Builder], ...] = (
    ("keys_string", _keys_from(lambda ks: [_first(ks), ",".join(ks), json.dumps(ks), ""])),
    ("keys_number", _keys_as([1, 0, -1, 1.5, 500, 1e3])),
    (
        "keys_object",
        _keys_from(lambda ks: [{}, {"a": 1}, {str(i): k for i, k in enumerate(ks)} or {"0": "doc-1"}, {"keys": list[Json](ks)}]),
    ),
    ("keys_null", _keys_as([None])),
    ("keys_bool", _keys_as([True, False])),
    ("keys_nested_list", _keys_from(lambda ks: [[list[Json](ks)], [[k] for k in ks] or [[]], [list[Json](ks), []]])),
    ("keys_list_of_numbers", _keys_as([[1], [1, 2, 3], [0], [-1.5, 1e300]])),
    ("keys_list_of_null", _keys_as([[None], [None, None]])),
    ("keys_list_of_objects", _keys_from(lambda ks: [[{"key": k} for k in ks] or [{}], [{}]])),
    ("keys_list_of_bools", _keys_as([[True], [False, True]])),
    (
        "keys_list_mixed",
        _keys_from(lambda ks: [[*ks, 1], [None, *ks], [*ks, {"key": _first(ks)}], [*ks, [_first(ks)]], [*ks, True]]),
    ),
    ("index_number", _index_as([1, 0, -1, 1.5])),
    ("index_null", _index_as([None])),
    ("index_list", _index_from(lambda i: [[i], [], [i, i]])),
    ("index_object", _index_from(lambda i: [{"name": i}, {}])),
    ("index_bool", _index_as([True, False])),
    ("index_empty_string", _index_as([""])),
    ("keys_missing", _missing("keys")),
    ("index_missing", _missing("indexName")),
    ("both_missing", _missing("both")),
    ("empty_object", _missing("empty")),
    ("member_name_case", _member_name_case),
)

WRONG_TYPE_FAMILY_NAMES = tuple(name for name, _ in _WRONG_TYPES)
"""Every family name ``wrong_type_families`` yields, in order."""


def wrong_type_families(index: str, keys: Sequence[str]) -> tuple[tuple[str, st.SearchStrategy[bytes]], ...]:
    """``(family name, strategy)`` for well-formed JSON objects with a wrong-typed, missing or misspelt member."""
    key_list = list(keys)
    return tuple((name, builder(index, key_list)) for name, builder in _WRONG_TYPES)


def wrong_type_bodies(index: str, keys: Sequence[str]) -> st.SearchStrategy[bytes]:
    """Bodies from every family in ``wrong_type_families``."""
    return st.one_of([s for _, s in wrong_type_families(index, keys)])


# --------------------------------------------------------------------------------------------------
# Headers


class Md5Mode(enum.StrEnum):
    """How Content-MD5 is set. CORRECT/ABSENT/WRONG, and garbage kinds: EMPTY, NOT_BASE64, HEX, SHORT."""

    CORRECT = "correct"  # base64(MD5(body)), as the Python SDK sends
    ABSENT = "absent"
    WRONG = "wrong"  # well-formed, but the MD5 of other bytes
    EMPTY = "empty"  # header present with an empty value
    NOT_BASE64 = "not_base64"
    HEX = "hex"  # hex digest of the right MD5 (a common client mistake)
    SHORT = "short"  # base64 of only 8 bytes

    @property
    def is_garbage(self) -> bool:
        return self in (Md5Mode.EMPTY, Md5Mode.NOT_BASE64, Md5Mode.HEX, Md5Mode.SHORT)


@dataclass(frozen=True)
class HeaderVariant:
    """Content-Type and Content-MD5 to send with a body, as data; ``headers_for(body)`` renders them."""

    content_type: str | None = "application/json"
    content_md5: Md5Mode = Md5Mode.CORRECT

    def headers_for(self, body: bytes) -> tuple[tuple[str, str], ...]:
        """The header pairs to send with ``body`` (nothing for an absent header)."""
        headers: list[tuple[str, str]] = []
        if self.content_type is not None:
            headers.append(("Content-Type", self.content_type))
        digest = hashlib.md5(body).digest()
        value = {
            Md5Mode.CORRECT: base64.b64encode(digest).decode("ascii"),
            Md5Mode.ABSENT: None,
            Md5Mode.WRONG: base64.b64encode(hashlib.md5(b"wrong" + body).digest()).decode("ascii"),
            Md5Mode.EMPTY: "",
            Md5Mode.NOT_BASE64: "not base64!",
            Md5Mode.HEX: digest.hex(),
            Md5Mode.SHORT: base64.b64encode(digest[:8]).decode("ascii"),
        }[self.content_md5]
        if value is not None:
            headers.append(("Content-MD5", value))
        return tuple(headers)


CONTENT_TYPES: tuple[str | None, ...] = (
    "application/json",
    None,
    "text/plain",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "APPLICATION/JSON",
    "application/octet-stream",
    "application/xml",
    "",
)


def header_variants() -> st.SearchStrategy[HeaderVariant]:
    """Every Content-Type (documented ``application/json`` first, absent, wrong, with charset) x every ``Md5Mode``."""
    return st.builds(HeaderVariant, content_type=st.sampled_from(CONTENT_TYPES), content_md5=st.sampled_from(list(Md5Mode)))
