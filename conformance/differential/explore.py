"""Find the differences: Hypothesis explores, each kind keeps its smallest example, then each is shrunk.

Exploration is a Hypothesis run of ``examples`` generated cases with a fixed seed (no shrinking, no
database): every case goes to both sides, and every kind of difference keeps the smallest case that
showed it. Shrinking then works per kind, from that case, within a time budget: it tries simpler cases
(fewer stored keys, fewer requested keys, short key names with the same pattern of equal keys, the body
family's simplest spelling, which Hypothesis finds, the default header, signature and request line)
and keeps each one that still shows the kind, until no simpler one does. Every candidate is sent to both
sides, so a kind's example is minimal in what the two endpoints really did, not in what was predicted.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, Verbosity, find, given, settings
from hypothesis import seed as hypothesis_seed

from conformance.differential.cases import VALID, DiffCase, diff_cases, simplest_body_strategy
from conformance.differential.compare import Difference
from conformance.differential.pair import Outcome, Pair
from conformance.limits import DOCUMENTED_QUERY
from conformance.records import AuthSpec
from strategies.bodies import HeaderVariant

EMPTY_BODY = "empty_body"


@dataclass
class Found:
    """One kind of difference: how often it was seen, its smallest case, and that case's outcome."""

    kind: str
    count: int
    outcome: Outcome
    shrink_steps: int = 0
    shrink_tries: int = 0
    shrunk: bool = False

    @property
    def case(self) -> DiffCase:
        return self.outcome.case

    @property
    def difference(self) -> Difference:
        return next(d for d in self.outcome.differences if d.kind == self.kind)

    @property
    def detail(self) -> str:
        return self.difference.detail


def _record(found: dict[str, Found], outcome: Outcome) -> None:
    for kind in outcome.kinds:
        known = found.get(kind)
        if known is None:
            found[kind] = Found(kind, 1, outcome)
        else:
            known.count += 1
            if outcome.case.size < known.case.size:
                known.outcome = outcome


def explore(
    pair: Pair, examples: int, seed: int, key_prefix: str = "", on_case: Callable[[Outcome], None] | None = None
) -> dict[str, Found]:
    """``examples`` generated cases through both sides; every kind seen with its smallest case."""
    found: dict[str, Found] = {}
    stopped: list[BaseException] = []

    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
    )
    @hypothesis_seed(seed)
    @given(diff_cases(key_prefix))
    def one(case: DiffCase) -> None:
        if stopped:
            raise stopped[0]  # the run is over (Ctrl-C, or the endpoint could not be judged): nothing more is sent
        try:
            outcome = pair.run(case)
        except BaseException as err:  # handed to the caller, who reports it in one line (Ctrl-C: cleans up)
            stopped.append(err)
            raise
        _record(found, outcome)
        if on_case is not None:
            on_case(outcome)

    try:
        one()
    finally:
        if stopped:  # whatever Hypothesis made of it, the first reason to stop is what the caller sees
            raise stopped[0]
    return found


@functools.lru_cache(maxsize=512)
def simplest_body(family: str, keys: tuple[str, ...]) -> bytes:
    """The simplest body of ``family`` for ``keys``: the first example Hypothesis tries is a strategy's simplest
    (its all-zero choices), which is also what full shrinking would reach, at a fraction of the cost."""
    first = settings(
        database=None,
        max_examples=1,
        phases=(Phase.generate,),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    return find(simplest_body_strategy(family, keys), lambda _: True, settings=first)


def _renamed(case: DiffCase, mapping: dict[str, str]) -> DiffCase:
    keys = tuple(mapping.get(k, k) for k in case.keys)
    return case.with_(
        stored=tuple(dict.fromkeys(mapping.get(k, k) for k in case.stored)),
        keys=keys,
        body=simplest_body(case.family, keys),
    )


def _short_names(case: DiffCase, prefix: str) -> dict[str, str]:
    """Every distinct key -> a short name (``a``, ``b``, ...), so equal keys stay equal and distinct ones distinct."""
    distinct = list(dict.fromkeys((*case.keys, *case.stored)))
    names = [prefix + (chr(ord("a") + i) if i < 26 else f"k{i}") for i in range(len(distinct))]
    return dict(zip(distinct, names, strict=True))


def candidates(case: DiffCase, key_prefix: str = "") -> Iterator[DiffCase]:
    """Simpler cases than ``case``, the biggest simplifications first."""
    if case.body:
        yield case.with_(family=EMPTY_BODY, body=b"")  # the simplest request of all: no body
    if case.stored:
        yield case.with_(stored=())
    simplest = simplest_body(case.family, case.keys)
    if simplest != case.body:
        yield case.with_(body=simplest)
    size = len(case.keys) // 2
    while size >= 1:  # halves, quarters, ..., single keys: a 500-key list shrinks in a few dozen tries, not 500
        for start in range(0, len(case.keys), size):
            keys = case.keys[:start] + case.keys[start + size :]
            yield case.with_(keys=keys, body=simplest_body(case.family, keys))
        size //= 2
    for i in range(len(case.stored)):
        yield case.with_(stored=case.stored[:i] + case.stored[i + 1 :])
    if case.keys or case.stored:
        short = _short_names(case, key_prefix)
        yield _renamed(case, short)
        for old, new in short.items():
            if len(new) < len(old):
                yield _renamed(case, {old: new})
    if case.header != HeaderVariant():
        yield case.with_(header=HeaderVariant())
    if case.auth != AuthSpec():
        yield case.with_(auth=AuthSpec())
    if case.query != DOCUMENTED_QUERY:
        yield case.with_(query=DOCUMENTED_QUERY)
    if not case.index_exists:
        yield case.with_(index_exists=True)
    if case.family != VALID:
        yield case.with_(family=VALID, body=simplest_body(VALID, case.keys))


def shrink(pair: Pair, found: Found, budget_s: float, key_prefix: str = "") -> Found:
    """Simplify ``found``'s case while what differs (the kind's core) still shows on both sides, within ``budget_s``.

    The context may simplify away with the case (an extra member that only rode along): the kind is then
    renamed after the simpler case, and ``merged`` joins kinds that have become the same."""
    core = found.difference.core
    deadline = time.monotonic() + budget_s
    improved = True
    while improved and time.monotonic() < deadline:
        improved = False
        current = found.case
        for candidate in candidates(current, key_prefix):
            if time.monotonic() >= deadline:
                break
            if candidate.size >= current.size:
                continue
            found.shrink_tries += 1
            outcome = pair.run(candidate)
            if core in outcome.cores:
                found.outcome = outcome
                found.kind = next(d.kind for d in outcome.differences if d.core == core)
                found.shrink_steps += 1
                improved = True
                break
    found.shrunk = not improved  # no simpler candidate shows the kind (else the budget ran out first)
    return found


def merged(found: Iterable[Found]) -> list[Found]:
    """Kinds that shrank to the same name are one kind: counts added, the smaller example kept."""
    out: dict[str, Found] = {}
    for f in found:
        known = out.get(f.kind)
        if known is None:
            out[f.kind] = f
            continue
        keep, other = (known, f) if known.case.size <= f.case.size else (f, known)
        keep.count = known.count + f.count
        keep.shrink_steps += other.shrink_steps
        keep.shrink_tries += other.shrink_tries
        keep.shrunk = keep.shrunk or other.shrunk
        out[f.kind] = keep
    return list(out.values())
