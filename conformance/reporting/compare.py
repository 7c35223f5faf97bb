"""Diff two results directories: what changed since last night, per check and per requirement.

A check is identified by its test id alone (the xdist worker that ran it is incidental); if several
workers ran it, its outcome is the worst of theirs. Nothing is re-judged: outcomes come from the
records, verdicts from ``verdict.py``.

``compare_main`` prints the diff (Markdown or JSON) and writes it, with ``compare.html`` (one
self-contained page, the answer first), into an output directory: ``--out DIR``, by default the
NEW results directory, so the page travels with the run it judges.

``regressed`` is the nightly job's exit status: a binding check (MUST, or SHOULD when strict) that
now fails unexpectedly and did not before (including one that errored before, and a new check that
fails). A check that passed and now errors is *not* a regression: it is listed as "could not judge".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from conformance.reporting.files import EVENTS_DIR, RESULTS_FILE, SUMMARY_FILE, write_atomic
from conformance.reporting.merge import read_results
from conformance.reporting.verdict import empty_counts, is_binding, requirement_verdict

COMPARE_HTML, COMPARE_MD, COMPARE_JSON = "compare.html", "compare.md", "compare.json"

# Worst first: the outcome a check gets when several workers disagree.
_SEVERITY = ("fail", "error", "xfail", "xpass", "pass", "observed", "skip")
FAILING = frozenset({"fail", "xfail"})
PASSING = frozenset({"pass", "xpass"})


class ResultsDirError(ValueError):
    """The path given is not something ``compare`` can read; the message is one line, for the user."""


@dataclass(frozen=True)
class CheckState:
    check_id: str
    level: str
    requirements: tuple[str, ...]
    outcome: str
    observed: str | None
    message: str
    workers: tuple[str, ...]


@dataclass(frozen=True)
class CheckChange:
    check_id: str
    level: str
    requirements: list[str]
    base_outcome: str | None
    new_outcome: str | None
    base_observed: str | None = None
    new_observed: str | None = None
    message: str = ""


@dataclass(frozen=True)
class RequirementChange:
    id: str
    level: str
    kind: str  # new-failure|fixed|still-failing|new|removed|drift|could-not-judge|changed
    base_verdict: str | None
    new_verdict: str | None


@dataclass
class RunDiff:
    base_dir: str
    new_dir: str
    base_target: str | None
    new_target: str | None
    base_verdict: str | None
    new_verdict: str | None
    base_expectations_sha256: str | None
    new_expectations_sha256: str | None
    strict: bool
    new_failures: list[CheckChange] = field(default_factory=list)
    fixed: list[CheckChange] = field(default_factory=list)
    still_failing: list[CheckChange] = field(default_factory=list)
    new_checks: list[CheckChange] = field(default_factory=list)
    removed_checks: list[CheckChange] = field(default_factory=list)
    observe_drift: list[CheckChange] = field(default_factory=list)
    could_not_judge: list[CheckChange] = field(default_factory=list)
    other_changes: list[CheckChange] = field(default_factory=list)
    requirements: list[RequirementChange] = field(default_factory=list)

    @property
    def target_changed(self) -> bool:
        return self.base_target != self.new_target

    @property
    def expectations_changed(self) -> bool:
        return self.base_expectations_sha256 != self.new_expectations_sha256


@dataclass(frozen=True)
class LoadedRun:
    path: Path
    summary: dict[str, Any] | None
    checks: dict[str, CheckState]

    def run_field(self, name: str) -> Any:
        return ((self.summary or {}).get("run") or {}).get(name)


def _worst(outcomes: Sequence[str]) -> str:
    return min(outcomes, key=lambda o: _SEVERITY.index(o) if o in _SEVERITY else len(_SEVERITY))


def aggregate_checks(results: Sequence[Mapping[str, Any]]) -> dict[str, CheckState]:
    """One state per test id, whatever the number of workers that ran it."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for event in results:
        grouped.setdefault(str(event.get("test_id")), []).append(event)
    checks: dict[str, CheckState] = {}
    for check_id, events in grouped.items():
        observed = sorted({str(ev["observed"]) for ev in events if ev.get("observed") is not None})
        worst = _worst([str(ev.get("outcome")) for ev in events])
        messages = [str(ev.get("message") or "") for ev in events if ev.get("outcome") == worst]
        checks[check_id] = CheckState(
            check_id=check_id,
            level=str(events[0].get("level") or "OBSERVE"),
            requirements=tuple(sorted({str(r) for ev in events for r in ev.get("requirements") or []})),
            outcome=worst,
            observed=" | ".join(observed) if observed else None,
            message=next((m for m in messages if m), ""),
            workers=tuple(sorted({str(ev.get("worker", "")) for ev in events})),
        )
    return checks


def load_run(path: Path) -> LoadedRun:
    """Read a results directory, or raise ``ResultsDirError`` with a one-line reason."""
    path = Path(path)
    if not path.exists():
        raise ResultsDirError(f"no such directory: {path}")
    if not path.is_dir():
        raise ResultsDirError(f"not a directory: {path}")
    has_results = (path / RESULTS_FILE).is_file() or any((path / EVENTS_DIR).glob("*.ndjson"))
    if not has_results:
        raise ResultsDirError(f"not a results directory (no {RESULTS_FILE} or {EVENTS_DIR}/*.ndjson): {path}")
    summary: dict[str, Any] | None = None
    summary_path = path / SUMMARY_FILE
    try:
        if summary_path.is_file():
            loaded = json.loads(summary_path.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise ResultsDirError(f"{summary_path}: not a JSON object")
            summary = loaded
        results = read_results(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsDirError(f"cannot read {path}: {exc}") from None
    except ValueError as exc:  # JSON errors included
        if isinstance(exc, ResultsDirError):
            raise
        raise ResultsDirError(f"unreadable results in {path}: {str(exc).splitlines()[0]}") from None
    return LoadedRun(path=path, summary=summary, checks=aggregate_checks(results))


def _change(base: CheckState | None, new: CheckState | None) -> CheckChange:
    ref = new or base
    assert ref is not None
    return CheckChange(
        check_id=ref.check_id,
        level=ref.level,
        requirements=list(ref.requirements),
        base_outcome=base.outcome if base else None,
        new_outcome=new.outcome if new else None,
        base_observed=base.observed if base else None,
        new_observed=new.observed if new else None,
        message=(new.message if new else base.message if base else ""),
    )


def _classify_check(diff: RunDiff, base: CheckState | None, new: CheckState | None) -> None:
    change = _change(base, new)
    if base is None:
        diff.new_checks.append(change)
    elif new is None:
        diff.removed_checks.append(change)
    elif new.outcome == "error":  # whatever it was before, there is no judgement now
        diff.could_not_judge.append(change)
    elif new.outcome in FAILING and base.outcome in FAILING:
        diff.still_failing.append(change)
    elif new.outcome in FAILING:
        diff.new_failures.append(change)
    elif base.outcome in FAILING and new.outcome in PASSING:
        diff.fixed.append(change)
    elif new.outcome == "observed" and base.outcome == "observed":
        if base.observed != new.observed:
            diff.observe_drift.append(change)
    elif base.outcome != new.outcome:
        (diff.observe_drift if "OBSERVE" in (base.level, new.level) else diff.other_changes).append(change)


def _requirement_verdicts(run: LoadedRun) -> dict[str, tuple[str, str]]:
    """requirement id -> (level, verdict), from the run's records (catalog levels from its summary when known)."""
    levels = {str(r["id"]): str(r.get("level", "")) for r in (run.summary or {}).get("requirements") or []}
    counts: dict[str, dict[str, int]] = {}
    check_levels: dict[str, str] = {}
    for check in run.checks.values():
        for req in check.requirements:
            bucket = counts.setdefault(req, empty_counts())
            bucket[check.outcome] = bucket.get(check.outcome, 0) + 1
            check_levels.setdefault(req, check.level)
    out: dict[str, tuple[str, str]] = {}
    for req, bucket in counts.items():
        verdict = requirement_verdict(bucket)
        if verdict != "not-covered":
            out[req] = (levels.get(req) or check_levels[req], verdict)
    return out


def _classify_requirements(diff: RunDiff, base: LoadedRun, new: LoadedRun) -> None:
    b, n = _requirement_verdicts(base), _requirement_verdicts(new)
    drifted = {r for c in diff.observe_drift for r in c.requirements}
    for req in sorted(set(b) | set(n)):
        bv = b[req][1] if req in b else None
        nv = n[req][1] if req in n else None
        level = (n.get(req) or b[req])[0]
        if bv is None:
            kind = "new"
        elif nv is None:
            kind = "removed"
        elif nv == "error" and bv != "error":
            kind = "could-not-judge"
        elif nv in FAILING and bv in FAILING:
            kind = "still-failing"
        elif nv in FAILING:
            kind = "new-failure"
        elif bv in FAILING and nv == "pass":
            kind = "fixed"
        elif req in drifted:
            kind = "drift"
        elif bv != nv:
            kind = "changed"
        else:
            continue
        diff.requirements.append(RequirementChange(id=req, level=level, kind=kind, base_verdict=bv, new_verdict=nv))


def _strict(summary: Mapping[str, Any] | None) -> bool:
    if not summary:
        return False
    if "strict" in summary:
        return bool(summary["strict"])
    return bool(((summary.get("run") or {}).get("settings_redacted") or {}).get("strict", False))


def _sha(run: LoadedRun) -> str | None:
    expectations = run.run_field("expectations") or {}
    sha = expectations.get("sha256") if isinstance(expectations, Mapping) else None
    return str(sha) if sha else None


def diff_runs(base: LoadedRun, new: LoadedRun) -> RunDiff:
    diff = RunDiff(
        base_dir=str(base.path),
        new_dir=str(new.path),
        base_target=base.run_field("target"),
        new_target=new.run_field("target"),
        base_verdict=(base.summary or {}).get("verdict"),
        new_verdict=(new.summary or {}).get("verdict"),
        base_expectations_sha256=_sha(base),
        new_expectations_sha256=_sha(new),
        strict=_strict(new.summary),
    )
    for check_id in sorted(set(base.checks) | set(new.checks)):
        _classify_check(diff, base.checks.get(check_id), new.checks.get(check_id))
    _classify_requirements(diff, base, new)
    return diff


def compare_runs(base_dir: Path, new_dir: Path) -> RunDiff:
    """Diff two results directories (``ResultsDirError`` if either is not one)."""
    return diff_runs(load_run(Path(base_dir)), load_run(Path(new_dir)))


def regressions(diff: RunDiff) -> list[CheckChange]:
    """The changes that make ``regressed`` true, for display."""
    candidates = [*diff.new_failures, *diff.new_checks]
    return [c for c in candidates if c.new_outcome == "fail" and is_binding(c.level, diff.strict)]


def regressed(diff: RunDiff) -> bool:
    """True if a binding check newly fails unexpectedly (see the module docstring)."""
    return bool(regressions(diff))


def render_json(diff: RunDiff) -> str:
    data = asdict(diff)
    data["target_changed"] = diff.target_changed
    data["expectations_changed"] = diff.expectations_changed
    data["regressed"] = regressed(diff)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _cell(value: object, limit: int = 160) -> str:
    text = "" if value is None else " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'").replace("<", "&lt;").replace(">", "&gt;") or "–"


def _section(title: str, changes: Sequence[CheckChange], observed: bool = False) -> list[str]:
    if not changes:
        return []
    lines = [f"### {title} ({len(changes)})", ""]
    if observed:
        lines += ["| check | requirements | before | now |", "|---|---|---|---|"]
        lines += [
            f"| `{_cell(c.check_id)}` | {_cell(', '.join(c.requirements))} | {_cell(c.base_observed or c.base_outcome)} "
            f"| {_cell(c.new_observed or c.new_outcome)} |"
            for c in changes
        ]
    else:
        lines += ["| check | level | requirements | was | now | message |", "|---|---|---|---|---|---|"]
        lines += [
            f"| `{_cell(c.check_id)}` | {_cell(c.level)} | {_cell(', '.join(c.requirements))} | {_cell(c.base_outcome)} "
            f"| {_cell(c.new_outcome)} | {_cell(c.message)} |"
            for c in changes
        ]
    return [*lines, ""]


def render_markdown(diff: RunDiff) -> str:
    """A report for a pull request comment or ``$GITHUB_STEP_SUMMARY``: the answer first, then the lists."""
    target = diff.new_target or diff.base_target or "unknown target"
    lines = [f"## Conformance diff: {_cell(target)}", ""]
    if regressed(diff):
        lines.append(f"**REGRESSED**: {len(regressions(diff))} binding check(s) newly fail.")
    else:
        lines.append("**No regression.**")
    lines += ["", f"Verdict: {_cell(diff.base_verdict or 'unknown')} → **{_cell(diff.new_verdict or 'unknown')}**"]
    lines.append(
        f"Base `{_cell(diff.base_dir)}` → new `{_cell(diff.new_dir)}`" + (" (strict: SHOULD binding)" if diff.strict else "")
    )
    lines.append("")
    if diff.target_changed:
        lines += [
            f"> **The target differs**: base `{_cell(diff.base_target)}`, new `{_cell(diff.new_target)}`. "
            "Differences may be the targets', not a change over time.",
            "",
        ]
    if diff.expectations_changed:
        lines += [
            f"> **The expectations file changed** (sha256 `{_cell(diff.base_expectations_sha256)[:12]}` → "
            f"`{_cell(diff.new_expectations_sha256)[:12]}`): xfail/xpass changes may come from the file, not the endpoint.",
            "",
        ]
    counts = [
        ("new failures", diff.new_failures),
        ("fixed", diff.fixed),
        ("still failing", diff.still_failing),
        ("could not judge", diff.could_not_judge),
        ("behaviour drift (OBSERVE)", diff.observe_drift),
        ("new checks", diff.new_checks),
        ("removed checks", diff.removed_checks),
        ("other changes", diff.other_changes),
    ]
    lines += ["| change | checks |", "|---|---|", *[f"| {name} | {len(items)} |" for name, items in counts], ""]
    lines += _section("New failures", diff.new_failures)
    lines += _section("Fixed", diff.fixed)
    lines += _section("Could not judge (harness or network error now)", diff.could_not_judge)
    lines += _section("Behaviour drift: OBSERVE checks that now see something else", diff.observe_drift, observed=True)
    lines += _section("New checks", diff.new_checks)
    lines += _section("Removed checks", diff.removed_checks)
    lines += _section("Other outcome changes", diff.other_changes)
    lines += _section("Still failing", diff.still_failing)
    if diff.requirements:
        lines += [
            f"### Requirements ({len(diff.requirements)})",
            "",
            "| requirement | level | change | was | now |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {_cell(r.id)} | {_cell(r.level)} | {r.kind} | {_cell(r.base_verdict)} | {_cell(r.new_verdict)} |"
            for r in diff.requirements
        ]
        lines.append("")
    return "\n".join(lines)


def _section_html(title: str, changes: Sequence[CheckChange], anchor: str, observed: bool = False) -> str:
    from conformance.reporting.html import e

    if not changes:
        return ""
    if observed:
        head = ["check", "requirements", "before", "now"]
        rows = [
            [
                f'<span class="mono">{e(c.check_id)}</span>',
                e(", ".join(c.requirements)),
                f"<pre>{e(c.base_observed or c.base_outcome)}</pre>",
                f"<pre>{e(c.new_observed or c.new_outcome)}</pre>",
            ]
            for c in changes
        ]
    else:
        head = ["check", "level", "requirements", "was", "now", "message"]
        rows = [
            [
                f'<span class="mono">{e(c.check_id)}</span>',
                e(c.level),
                e(", ".join(c.requirements)),
                f'<span class="r-{e(c.base_outcome)}">{e(c.base_outcome or "–")}</span>',
                f'<span class="r-{e(c.new_outcome)}">{e(c.new_outcome or "–")}</span>',
                e(c.message),
            ]
            for c in changes
        ]
    thead = "".join(f"<th>{e(h)}</th>" for h in head)
    tbody = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    table = f"<table><thead><tr>{thead}</tr></thead><tbody>{tbody}</tbody></table>"
    return f'<h2 id="{e(anchor)}">{e(title)} ({len(changes)})</h2>{table}'


def _link(text: str, anchor: str) -> str:
    from conformance.reporting.html import e

    return f'<a href="#{e(anchor)}">{e(text)}</a>'


def render_html(diff: RunDiff) -> str:
    """``compare.html``: the answer (regressed or not) first, then the new failures, then everything else."""
    from conformance.reporting.html import e, page_head

    target = diff.new_target or diff.base_target or "unknown target"
    bad = regressed(diff)
    answer = f"REGRESSED: {len(regressions(diff))} binding check(s) newly fail" if bad else "No regression"
    out = [page_head(f"{'REGRESSED' if bad else 'no regression'} · {target} · conformance diff")]
    out.append('<header id="verdict"><h1>OSS Vectors DeleteVectors conformance: comparison of two runs</h1>')
    out.append(f'<div class="verdict {"v-not-conformant" if bad else "v-conformant"}">{e(answer)}</div>')
    facts = [
        ("target", target if not diff.target_changed else f"{diff.base_target} → {diff.new_target}"),
        ("verdict", f"{diff.base_verdict or 'unknown'} → {diff.new_verdict or 'unknown'}"),
        ("base", diff.base_dir),
        ("new", diff.new_dir),
        ("strict (SHOULD binding)", diff.strict),
    ]
    out.append('<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in facts) + "</dl>")
    if diff.target_changed:
        out.append(
            f'<p class="r-error"><strong>The target differs</strong>: base {e(diff.base_target)}, new {e(diff.new_target)}. '
            "Differences may be the targets', not a change over time.</p>"
        )
    if diff.expectations_changed:
        out.append(
            '<p class="r-error"><strong>The expectations file changed</strong> (sha256 '
            f"{e((diff.base_expectations_sha256 or '–')[:12])} → {e((diff.new_expectations_sha256 or '–')[:12])}): "
            "xfail/xpass changes may come from the file, not the endpoint.</p>"
        )
    counts = [
        ("new failures", diff.new_failures, "new-failures"),
        ("fixed", diff.fixed, "fixed"),
        ("still failing", diff.still_failing, "still-failing"),
        ("could not judge", diff.could_not_judge, "could-not-judge"),
        ("behaviour drift (OBSERVE)", diff.observe_drift, "drift"),
        ("new checks", diff.new_checks, "new-checks"),
        ("removed checks", diff.removed_checks, "removed-checks"),
        ("other changes", diff.other_changes, "other-changes"),
    ]
    cells = "".join(
        f"<tr><td>{_link(name, anchor) if items else e(name)}</td><td>{len(items)}</td></tr>" for name, items, anchor in counts
    )
    out.append(f"<table><thead><tr><th>change</th><th>checks</th></tr></thead><tbody>{cells}</tbody></table></header>")
    out.append(_section_html("New failures", diff.new_failures, "new-failures"))
    if regressions(diff) and len(regressions(diff)) != len(diff.new_failures):
        out.append('<p class="muted">Only binding checks (MUST, or SHOULD when strict) that now fail count as a regression.</p>')
    out.append(_section_html("Fixed", diff.fixed, "fixed"))
    out.append(_section_html("Could not judge (harness or network error now)", diff.could_not_judge, "could-not-judge"))
    out.append(
        _section_html("Behaviour drift: OBSERVE checks that now see something else", diff.observe_drift, "drift", observed=True)
    )
    out.append(_section_html("New checks", diff.new_checks, "new-checks"))
    out.append(_section_html("Removed checks", diff.removed_checks, "removed-checks"))
    out.append(_section_html("Other outcome changes", diff.other_changes, "other-changes"))
    out.append(_section_html("Still failing", diff.still_failing, "still-failing"))
    if diff.requirements:
        rows = "".join(
            f'<tr><td class="mono">{e(r.id)}</td><td>{e(r.level)}</td><td>{e(r.kind)}</td>'
            f'<td class="r-{e(r.base_verdict)}">{e(r.base_verdict or "–")}</td>'
            f'<td class="r-{e(r.new_verdict)}">{e(r.new_verdict or "–")}</td></tr>'
            for r in diff.requirements
        )
        out.append(
            f"<h2>Requirements ({len(diff.requirements)})</h2><table><thead><tr><th>requirement</th><th>level</th>"
            f"<th>change</th><th>was</th><th>now</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    out.append("</body></html>\n")
    return "".join(out)


def write_outputs(diff: RunDiff, out_dir: Path, text: str, fmt: str) -> list[Path]:
    """``compare.html`` and the printed diff (``compare.md`` or ``compare.json``) in ``out_dir``."""
    written = []
    for name, content in ((COMPARE_HTML, render_html(diff)), (COMPARE_JSON if fmt == "json" else COMPARE_MD, text)):
        path = out_dir / name
        write_atomic(path, content)
        written.append(path)
    return written


def compare_main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """``ossv-conformance compare BASE NEW [--format markdown|json] [--out DIR]``: 0 no regression, 1 regression,
    2 unusable input. The diff goes to stdout, and with ``compare.html`` into ``--out DIR`` (default: NEW)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    parser = argparse.ArgumentParser(prog="ossv-conformance compare", description="Compare two conformance results directories.")
    parser.add_argument("base", type=Path, help="the baseline results directory (e.g. reports/baselines/<target>/)")
    parser.add_argument("new", type=Path, help="the results directory of the new run")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown")
    parser.add_argument("--out", type=Path, default=None, help="where compare.html and compare.md/.json go (default: NEW)")
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # argparse has already printed its usage line
        return 2 if exc.code not in (0, None) else 0
    try:
        diff = compare_runs(args.base, args.new)
    except ResultsDirError as exc:
        err.write(f"ossv-conformance compare: error: {exc}\n")
        return 2
    text = render_json(diff) if args.format == "json" else render_markdown(diff) + "\n"
    out.write(text)
    out_dir = args.out if args.out is not None else args.new
    try:
        written = write_outputs(diff, out_dir, text, args.format)
    except OSError as exc:  # a read-only results directory: the diff on stdout still stands
        err.write(f"ossv-conformance compare: warning: could not write {COMPARE_HTML} into {out_dir}: {exc}\n")
    else:
        err.write(f"ossv-conformance compare: wrote {written[0]} and {written[1].name}\n")
    return 1 if regressed(diff) else 0
