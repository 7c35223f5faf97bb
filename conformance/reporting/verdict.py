"""The one rule that turns outcomes into a verdict; every writer asks here instead of deciding for itself.

Overall verdict, from the checks' own levels (the level a check was judged at is part of its event):

* ``not-conformant``: a binding check failed where the target's expectations file does not list it
  (``fail``). A listed failure (``xfail``) is a known, accepted deviation with a reason and an expiry:
  it is shown, but it does not change the verdict. Binding means MUST, and SHOULD too when ``strict``.
* ``inconclusive``: otherwise, if a binding check errored (the harness could not judge), or no binding
  check was judged at all (nothing ran, or everything skipped).
* ``conformant``: otherwise. An unexpected pass (``xpass``) is news, never a failure; OBSERVE checks
  never count.

A definite failure outranks an error: the endpoint is already known to be wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from conformance.records import CheckResult, Level, Outcome
from conformance.reporting.runinfo import CatalogEntry

CONFORMANT = "conformant"
NOT_CONFORMANT = "not-conformant"
INCONCLUSIVE = "inconclusive"

OUTCOMES: tuple[str, ...] = tuple(o.value for o in Outcome)
FAILED = frozenset({Outcome.FAIL.value})
JUDGED = frozenset({Outcome.PASS.value, Outcome.FAIL.value, Outcome.XFAIL.value, Outcome.XPASS.value})

Event = Mapping[str, Any]


def as_event(result: CheckResult | Event) -> Event:
    return result.to_json() if isinstance(result, CheckResult) else result


def catalog_dicts(catalog: Iterable[object]) -> list[dict[str, Any]]:
    """The catalog as plain dicts, from ``CatalogEntry`` values, ``summary.json`` dicts or catalog ``Requirement``s."""
    out: list[dict[str, Any]] = []
    for entry in catalog:
        c = entry if isinstance(entry, CatalogEntry) else CatalogEntry.of(entry)
        out.append({"id": c.id, "level": c.level, "title": c.title, "source": c.source})
    return out


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(OUTCOMES, 0)


def outcome_counts(results: Iterable[CheckResult | Event]) -> dict[str, int]:
    counts = empty_counts()
    for result in results:
        outcome = str(as_event(result).get("outcome"))
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def requirement_verdict(counts: Mapping[str, int], applicable: bool = True) -> str:
    """A requirement's verdict from the outcomes of the checks naming it:
    fail|xfail|error|pass|observed|not-covered|not-applicable.

    Only-skipped counts as ``not-covered`` (nothing judged it in this run), or ``not-applicable`` when the
    requirement belongs to a driver the run did not use (the SDK's requirements under the raw driver).
    """
    for outcome, name in (("fail", "fail"), ("xfail", "xfail"), ("error", "error")):
        if counts.get(outcome, 0):
            return name
    if counts.get("pass", 0) or counts.get("xpass", 0):
        return "pass"
    if counts.get("observed", 0):
        return "observed"
    return "not-covered" if applicable else "not-applicable"


UNJUDGED = frozenset({"not-covered", "error"})


def check_level(event: Event, catalog_levels: Mapping[str, str]) -> str:
    """The level the check was judged at; the catalog's only if the event lacks one."""
    level = event.get("level")
    if level:
        return str(level)
    levels = [catalog_levels[r] for r in event.get("requirements") or [] if r in catalog_levels]
    for candidate in (Level.MUST.value, Level.SHOULD.value):
        if candidate in levels:
            return candidate
    return Level.OBSERVE.value


def is_binding(level: str, strict: bool) -> bool:
    return level == Level.MUST.value or (strict and level == Level.SHOULD.value)


def verdict(results: Sequence[CheckResult | Event], catalog: Sequence[object], strict: bool) -> str:
    """``conformant`` | ``not-conformant`` | ``inconclusive`` (rules in the module docstring)."""
    catalog_levels = {str(e["id"]): str(e["level"]) for e in catalog_dicts(catalog)}
    binding = [str(e.get("outcome")) for e in map(as_event, results) if is_binding(check_level(e, catalog_levels), strict)]
    if any(o in FAILED for o in binding):
        return NOT_CONFORMANT
    if Outcome.ERROR.value in binding or not any(o in JUDGED for o in binding):
        return INCONCLUSIVE
    return CONFORMANT
