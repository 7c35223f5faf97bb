"""What a diff found, as text for the terminal and as ``diff.json`` in the results directory.

Both are secret-free by construction: settings appear only in their redacted form, exchanges are the
client's redacted records, and cases carry no credentials. Each kind gets an id (``K1``, ``K2``, ...) in
the order printed, its count, its minimal case, both sides' answers and exchanges, and a replay command.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.differential.cases import PLACEHOLDER_INDEX, DiffCase
from conformance.differential.explore import Found
from conformance.differential.normalise import Normalised
from conformance.differential.sides import SideSpec
from conformance.records import AuthSpec

PROG = "ossv-conformance diff"


@dataclass(frozen=True)
class RunFacts:
    """What the run was: for the header line, the JSON file and the replay commands."""

    run_id: str
    seed: int
    examples: int
    sides: tuple[SideSpec, SideSpec]
    descriptions: tuple[str, str]
    settings: tuple[dict[str, object], dict[str, object]]  # redacted
    results_dir: Path


def kind_ids(found: Sequence[Found]) -> list[tuple[str, Found]]:
    """Kinds in a stable order (most often seen first, then by name), numbered K1, K2, ..."""
    ordered = sorted(found, key=lambda f: (-f.count, f.kind))
    return [(f"K{i}", f) for i, f in enumerate(ordered, start=1)]


def replay_command(facts: RunFacts, kind_id: str) -> str:
    flags = [*facts.sides[0].flags(), *facts.sides[1].flags()]
    path = facts.results_dir / "diff.json"
    return shlex.join(["ossv-conformance", "diff", *flags, "--replay", str(path), "--kind", kind_id])


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_case(case: DiffCase) -> list[str]:
    """The case in a few lines: the world, then the request (the body with its placeholder index name)."""
    world = f"stored {list(case.stored)!r}" if case.index_exists else "the index does not exist"
    extras = []
    if case.header.content_type != "application/json" or case.header.content_md5.value != "correct":
        extras.append(f"Content-Type {case.header.content_type!r}, Content-MD5 {case.header.content_md5.value}")
    if case.auth != AuthSpec():
        extras.append(f"signed {case.auth.kind.value}" + (f" ({case.auth.detail})" if case.auth.detail else ""))
    body = case.body.decode("utf-8", "replace").replace(PLACEHOLDER_INDEX, "<index>")
    return [
        f"{world}; body family {case.family}" + (f"; {'; '.join(extras)}" if extras else ""),
        f"POST /?{case.query}  {_short(body)}",
    ]


def _side_json(n: Normalised | None, exchange: Any) -> dict[str, Any]:
    if n is None:
        return {}
    return {
        "answer": n.answer,
        "error_shape": n.shape,
        "request_id": n.request_id,
        "effect": n.effect_text(),
        "deleted": sorted(n.gone),
        "changed": sorted(n.changed),
        "read_back": sorted(n.returned) if n.returned is not None else None,
        "refused_to_store": sorted(n.refused),
        "requirement": n.context,
        "exchange": exchange.to_json() if exchange is not None else None,
    }


def to_json(
    facts: RunFacts, found: Sequence[Found], totals: dict[str, Any], exit_code: int, problems: list[str]
) -> dict[str, Any]:
    kinds = []
    for kind_id, f in kind_ids(found):
        outcome = f.outcome
        kinds.append(
            {
                "id": kind_id,
                "kind": f.kind,
                "count": f.count,
                "detail": f.detail,
                "minimal": f.shrunk,
                "shrink_steps": f.shrink_steps,
                "shrink_tries": f.shrink_tries,
                "case": f.case.to_json(),
                "a": _side_json(outcome.a, outcome.exchanges[0]),
                "b": _side_json(outcome.b, outcome.exchanges[1]),
                "replay": replay_command(facts, kind_id),
            }
        )
    return {
        "tool": PROG,
        "run_id": facts.run_id,
        "seed": facts.seed,
        "examples": facts.examples,
        "sides": {
            spec.label: {"source": spec.flags(), "endpoint": description, "settings": settings}
            for spec, description, settings in zip(facts.sides, facts.descriptions, facts.settings, strict=True)
        },
        **totals,
        "kinds": kinds,
        "problems": problems,
        "exit_code": exit_code,
    }


def write_json(facts: RunFacts, data: dict[str, Any]) -> Path:
    facts.results_dir.mkdir(parents=True, exist_ok=True)
    path = facts.results_dir / "diff.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def text(facts: RunFacts, found: Sequence[Found], totals: dict[str, Any]) -> list[str]:
    lines = [
        f"seed {facts.seed} · {totals['cases_compared']} cases compared ({totals['cases_not_sent']} not sent) · "
        f"{totals['requests_under_test']} requests under test, {totals['requests_total']} requests in all",
    ]
    for reason, count in sorted(totals.get("not_sent", {}).items()):
        lines.append(f"not sent ({count}): {reason}")
    ids = kind_ids(found)
    if not ids:
        lines.append("no difference")
        return lines
    lines.append(f"{len(ids)} kind{'s' if len(ids) != 1 else ''} of difference:")
    for kind_id, f in ids:
        lines.append("")
        lines.append(f"{kind_id}  {f.kind}  (seen {f.count} time{'s' if f.count != 1 else ''})")
        state = "minimal" if f.shrunk else "smallest found (shrinking ran out of time)"
        lines.append(f"    {state} example, after {f.shrink_steps} shrink step(s) in {f.shrink_tries} tries:")
        lines += [f"      {line}" for line in describe_case(f.case)]
        lines.append(f"    {f.detail}")
        lines.append(f"    replay: {replay_command(facts, kind_id)}")
    return lines
