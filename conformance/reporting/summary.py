"""``summary.json``: the run's facts (``RunInfo``), counts, and a verdict per requirement and overall.

It only counts and classifies the events; the verdict rule lives in ``verdict.py``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from conformance.catalog import driver_of
from conformance.records import CheckResult, Level
from conformance.reporting.files import SUMMARY_FILE, SUMMARY_SCHEMA, write_atomic
from conformance.reporting.requests import merged_requests
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.verdict import (
    UNJUDGED,
    as_event,
    catalog_dicts,
    check_level,
    empty_counts,
    outcome_counts,
    requirement_verdict,
    verdict,
)

_LEVEL_RANK = {Level.MUST.value: 0, Level.SHOULD.value: 1, Level.OBSERVE.value: 2}


def _ids_with(events: Sequence[Mapping[str, Any]], outcome: str) -> list[str]:
    return sorted({str(e.get("test_id")) for e in events if e.get("outcome") == outcome})


def build_summary(info: RunInfo, results: Sequence[CheckResult | Mapping[str, Any]]) -> dict[str, Any]:
    """The summary as a dict (what ``write_summary`` writes); requirements in catalog order, unknown ids after."""
    events = [as_event(r) for r in results]
    catalog = catalog_dicts(info.catalog)
    catalog_levels = {str(c["id"]): str(c["level"]) for c in catalog}
    strict = info.strict

    per_req: dict[str, list[Mapping[str, Any]]] = {}
    for event in events:
        for req in event.get("requirements") or ["(none)"]:
            per_req.setdefault(str(req), []).append(event)

    requirements: list[dict[str, Any]] = []
    known = set()
    for entry in catalog:
        req_id = str(entry["id"])
        known.add(req_id)
        checks = per_req.get(req_id, [])
        counts = outcome_counts(checks) if checks else empty_counts()
        applicable = driver_of(req_id) in (None, info.driver)
        requirements.append(
            {
                "id": req_id,
                "level": str(entry["level"]),
                "title": str(entry.get("title", "")),
                "source": str(entry.get("source", "")),
                "in_catalog": True,
                "outcomes": counts,
                "verdict": requirement_verdict(counts, applicable),
                "checks": sorted({str(c.get("test_id")) for c in checks}),
            }
        )
    for req_id in sorted(set(per_req) - known):
        checks = per_req[req_id]
        levels = sorted({check_level(c, catalog_levels) for c in checks}, key=lambda lv: _LEVEL_RANK.get(lv, 9))
        counts = outcome_counts(checks)
        requirements.append(
            {
                "id": req_id,
                "level": levels[0] if levels else Level.OBSERVE.value,
                "title": "",
                "source": "",
                "in_catalog": False,
                "outcomes": counts,
                "verdict": requirement_verdict(counts),
                "checks": sorted({str(c.get("test_id")) for c in checks}),
            }
        )

    by_level: dict[str, dict[str, int]] = {}
    for level in (lv.value for lv in Level):
        by_level[level] = outcome_counts([e for e in events if check_level(e, catalog_levels) == level])

    return {
        "schema": SUMMARY_SCHEMA,
        "verdict": verdict(events, catalog, strict),
        "strict": strict,
        "run": info.to_json(),
        "total": len(events),
        "counts": outcome_counts(events),
        "by_level": by_level,
        "requirements": requirements,
        "not_covered": [r["id"] for r in requirements if r["verdict"] == "not-covered"],
        "not_applicable": [r["id"] for r in requirements if r["verdict"] == "not-applicable"],
        "must_not_judged": _must_not_judged(requirements, per_req),
        "uncatalogued": [r["id"] for r in requirements if not r["in_catalog"]],
        "failures": _ids_with(events, "fail"),
        "known_failures": _ids_with(events, "xfail"),
        "news": _ids_with(events, "xpass"),
        "errors": _ids_with(events, "error"),
    }


_GENERIC = ("declared but not exercised", "Skipped: only under --driver")  # reasons that say less than the others


def _must_not_judged(
    requirements: Sequence[Mapping[str, Any]], per_req: Mapping[str, Sequence[Mapping[str, Any]]]
) -> list[dict[str, str]]:
    """Every MUST requirement this run did not judge, and why (what its checks said when they skipped or erred)."""
    out = []
    for req in requirements:
        if req["level"] != Level.MUST.value or req["verdict"] not in UNJUDGED:
            continue
        events = [e for e in per_req.get(str(req["id"]), []) if e.get("outcome") in ("skip", "error")]
        reasons = [r for r in dict.fromkeys(str(e.get("message") or "") for e in events) if r]
        specific = [r for r in reasons if r.startswith("not exercised: ") or not r.startswith(_GENERIC)]
        why = "; ".join(specific or reasons) if reasons else "no check of this run names it"
        out.append({"id": str(req["id"]), "why": why})
    return out


def write_summary(
    run_dir: Path,
    info: RunInfo,
    results: Sequence[CheckResult | Mapping[str, Any]],
    sections: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``<run_dir>/summary.json`` (atomically) and return what was written: the summary, the run's
    request accounting, and further top-level ``sections`` (e.g. ``reference``: the reference-profile
    check), each a section of its own that the verdict never reads."""
    summary = {**build_summary(info, results), "requests": merged_requests(Path(run_dir)), **(sections or {})}
    write_atomic(Path(run_dir) / SUMMARY_FILE, json.dumps(summary, indent=2, sort_keys=False, ensure_ascii=False) + "\n")
    return summary
