"""What one differential case is, as data: the world to arrange and the request to send, on both sides.

A case is generated once and sent to both endpoints. Its body is a template naming the index
``PLACEHOLDER_INDEX``; each side swaps in the run-unique index it created for the case (``render``),
and computes the headers (Content-MD5 included) over the bytes it really sends. Everything else is
the same on both sides. A case serialises to JSON (``to_json``/``from_json``) so that a replay re-sends
exactly it. The generators are Hypothesis strategies over the project's own ones (``strategies/``):
they produce data only; nothing here says what an endpoint should answer.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import strategies as st

from conformance.limits import DOCUMENTED_QUERY, MAX_UNIQUE_KEYS, SDK_QUERY
from conformance.records import AuthKind, AuthSpec, RequestSpec
from strategies._util import weighted
from strategies.auth import invalid_auth, valid_auth
from strategies.bodies import (
    NON_OBJECT_JSON_FAMILIES,
    WRONG_TYPE_FAMILY_NAMES,
    HeaderVariant,
    Md5Mode,
    header_variants,
    malformed_families,
    valid_json_bodies,
    wrong_type_families,
)
from strategies.keys import any_keys, valid_keys

PLACEHOLDER_INDEX = "ossvcdiffindex"
"""The index name every body template is written with (letters only, like a real run-unique name)."""
VALID = "valid"
_PLAIN_KEY = re.compile(r"(ossvc[0-9a-f]{8}-)?[a-z]")  # the shrinker's short key names, with or without a run prefix
MALFORMED_FAMILY_NAMES: tuple[str, ...] = tuple(name for name, _ in malformed_families(PLACEHOLDER_INDEX, ["k"]))
FAMILIES: tuple[str, ...] = (VALID, *WRONG_TYPE_FAMILY_NAMES, *MALFORMED_FAMILY_NAMES)


def _escaped(text: str, upper: bool) -> bytes:
    """``text`` as JSON writes it with every character escaped (strategies.bodies' ``escape="all"`` style)."""
    return "".join(f"\\u{ord(c):04X}" if upper else f"\\u{ord(c):04x}" for c in text).encode("ascii")


def substitute(template: bytes, index: str) -> bytes:
    """The template with the placeholder index name replaced by ``index``, in every spelling a body uses."""
    body = template.replace(PLACEHOLDER_INDEX.encode(), index.encode())
    for upper in (False, True):
        body = body.replace(_escaped(PLACEHOLDER_INDEX, upper), _escaped(index, upper))
    return body


@dataclass(frozen=True)
class DiffCase:
    """One differential case: ``stored`` is put into a fresh index (when ``index_exists``), then the body
    (built by ``family`` from ``keys``) is sent with ``header`` and ``auth`` on ``query``."""

    family: str
    stored: tuple[str, ...]
    keys: tuple[str, ...]
    body: bytes  # the template: names PLACEHOLDER_INDEX
    header: HeaderVariant = field(default_factory=HeaderVariant)
    auth: AuthSpec = field(default_factory=AuthSpec)
    query: str = DOCUMENTED_QUERY
    index_exists: bool = True

    def render(self, bucket: str, index: str) -> RequestSpec:
        """The request as one side sends it: its own index name, headers over the bytes actually sent."""
        body = substitute(self.body, index)
        return RequestSpec("POST", self.query, body, self.header.headers_for(body), bucket, self.auth)

    @property
    def size(self) -> int:
        """Smaller is simpler: what "the smallest example seen" and the shrinker minimise."""
        extras = (self.header != HeaderVariant()) + (self.auth != AuthSpec()) + (self.query != DOCUMENTED_QUERY)
        unplain = sum(not _PLAIN_KEY.fullmatch(k) for k in {*self.keys, *self.stored})  # "a" is simpler than "X"
        return (
            len(self.body) + 8 * len(self.stored) + 4 * len(self.keys) + 16 * extras + 16 * (not self.index_exists) + unplain
        )

    def with_(self, **changes: Any) -> DiffCase:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "stored": list(self.stored),
            "keys": list(self.keys),
            "body_base64": base64.b64encode(self.body).decode("ascii"),
            "body_text": self.body.decode("utf-8", "replace"),
            "placeholder_index": PLACEHOLDER_INDEX,
            "content_type": self.header.content_type,
            "content_md5": self.header.content_md5.value,
            "auth": {"kind": self.auth.kind.value, "detail": self.auth.detail, "skew_seconds": self.auth.skew_seconds},
            "query": self.query,
            "index_exists": self.index_exists,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DiffCase:
        """The case a ``diff.json`` recorded; ValueError (one line) for anything that is not one."""
        try:
            auth = data["auth"]
            return cls(
                family=str(data["family"]),
                stored=tuple(str(k) for k in data["stored"]),
                keys=tuple(str(k) for k in data["keys"]),
                body=base64.b64decode(data["body_base64"], validate=True),
                header=HeaderVariant(data["content_type"], Md5Mode(data["content_md5"])),
                auth=AuthSpec(AuthKind(auth["kind"]), str(auth["detail"]), int(auth["skew_seconds"])),
                query=str(data["query"]),
                index_exists=bool(data["index_exists"]),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"not a recorded differential case ({type(err).__name__}: {err})") from None


# --- generation ------------------------------------------------------------------------------------

_STORED_KEYS = valid_keys()
_ANY_KEYS = any_keys()
_NON_OBJECT = tuple(sorted(NON_OBJECT_JSON_FAMILIES))
_FAMILY = weighted(
    (8, st.just(VALID)),
    (3, st.sampled_from(WRONG_TYPE_FAMILY_NAMES)),
    (3, st.sampled_from([f for f in MALFORMED_FAMILY_NAMES if f not in NON_OBJECT_JSON_FAMILIES])),
    (1, st.sampled_from(_NON_OBJECT)),
)
_BULK_SHAPES = ((MAX_UNIQUE_KEYS, 0), (MAX_UNIQUE_KEYS + 1, 0), (MAX_UNIQUE_KEYS, 1), (MAX_UNIQUE_KEYS - 1, 2))


def _bulk(shape: tuple[int, int]) -> list[str]:
    unique, duplicates = shape
    return [f"k{i}" for i in range(unique)] + ["k0"] * duplicates


def _pick(stored: Sequence[str], choice: int | str) -> str:
    """A drawn element: a stored key (by position, so equal keys come naturally), an absent one, or a fresh key."""
    if isinstance(choice, str):
        return choice
    return stored[choice % len(stored)] if stored else f"doc-{choice}"


_CHOICES = st.lists(st.one_of(st.integers(0, 4), _STORED_KEYS), min_size=1, max_size=6)
_EDGE_KEYS = st.lists(_ANY_KEYS, max_size=3)
_BULK = st.sampled_from(_BULK_SHAPES).map(_bulk)


@st.composite
def _requested(draw: st.DrawFn, stored: Sequence[str]) -> list[str]:
    """Mostly stored keys (duplicates come naturally) and absent ones; sometimes edge keys; rarely a bulk list."""
    which = draw(st.integers(0, 12))
    if which < 10:
        return [_pick(stored, c) for c in draw(_CHOICES)]
    return draw(_EDGE_KEYS) if which < 12 else draw(_BULK)


def simplest_body_strategy(family: str, keys: Sequence[str]) -> st.SearchStrategy[bytes]:
    """Every body of ``family`` for ``keys`` (its shrunk form is the family's simplest spelling)."""
    if family == VALID:
        return valid_json_bodies(PLACEHOLDER_INDEX, keys)
    group = wrong_type_families if family in WRONG_TYPE_FAMILY_NAMES else malformed_families
    families = dict(group(PLACEHOLDER_INDEX, keys))
    if family not in families:
        raise ValueError(f"unknown body family {family!r}")
    return families[family]


_HEADER = weighted((12, st.just(HeaderVariant())), (1, header_variants()))
_AUTH = weighted((8, st.just(AuthSpec())), (1, valid_auth()), (4, invalid_auth()))
_QUERY = weighted((4, st.just(DOCUMENTED_QUERY)), (1, st.just(SDK_QUERY)))
_INDEX_EXISTS = weighted((12, st.just(True)), (1, st.just(False)))
_STORED = st.lists(_STORED_KEYS, max_size=5, unique=True)


@st.composite
def diff_cases(draw: st.DrawFn, key_prefix: str = "") -> DiffCase:
    """Differential cases: a stored world, a key list, a body of some family, header/auth/request-line variants.

    ``key_prefix`` goes in front of every key (the run's prefix, when a side works inside a user's bucket)."""
    raw_stored = draw(_STORED)
    stored = [key_prefix + k for k in raw_stored]
    keys = [key_prefix + k for k in draw(_requested(raw_stored))]
    kind = draw(_FAMILY)
    body = draw(simplest_body_strategy(kind, keys))
    return DiffCase(kind, tuple(stored), tuple(keys), body, draw(_HEADER), draw(_AUTH), draw(_QUERY), draw(_INDEX_EXISTS))
