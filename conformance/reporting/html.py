"""``report.html``: one self-contained page a person can open offline the morning after.

Inline CSS only, no scripts, nothing fetched (a Content-Security-Policy says so too); every string
that came from the target or from a test is escaped, because response bodies are hostile input.
Order follows the reader's questions: the verdict, which requirements, what failed and how to
replay it, what the endpoint does where the documentation is silent, coverage, harness errors.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.records import CheckResult
from conformance.reporting.files import HTML_FILE, write_atomic
from conformance.reporting.verdict import OUTCOMES, as_event

MAX_TEXT_BODY = 64 * 1024
MAX_HEX_BYTES = 4096
VERDICT_LABEL = {"conformant": "conformant", "not-conformant": "NOT conformant", "inconclusive": "inconclusive"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"


def e(value: object) -> str:
    """Escape for text and attribute values alike."""
    return escape("" if value is None else str(value), quote=True)


def _css() -> str:
    return resources.files("conformance.reporting").joinpath("report.css").read_text(encoding="utf-8")


def _counts_text(counts: Mapping[str, int]) -> str:
    parts = [f'<span class="o-{e(k)}">{int(counts[k])}&nbsp;{e(k)}</span>' for k in OUTCOMES if counts.get(k)]
    return " · ".join(parts) if parts else '<span class="muted">none</span>'


def _tag(verdict: str) -> str:
    return f'<span class="tag r-{e(verdict)}">{e(verdict)}</span>'


def _pre(text: str, cls: str = "") -> str:
    attr = f' class="{e(cls)}"' if cls else ""
    return f"<pre{attr}>{e(text)}</pre>"


def hexdump(data: bytes, limit: int = MAX_HEX_BYTES) -> str:
    """Classic offset / hex / ASCII lines, so a binary body can be read without tools."""
    lines = []
    for offset in range(0, min(len(data), limit), 16):
        chunk = data[offset : offset + 16]
        hexpart = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{offset:08x}  {hexpart:<47}  {text}")
    if len(data) > limit:
        lines.append(f"... {len(data) - limit} more bytes")
    return "\n".join(lines)


def render_body(body: Mapping[str, Any] | None) -> str:
    if not body:
        return '<div class="muted">(no body)</div>'
    if "text" in body:
        text = str(body["text"])
        if not text:
            return '<div class="muted">(empty body)</div>'
        note = ""
        if len(text) > MAX_TEXT_BODY:
            note = f'<div class="muted">truncated: showing {MAX_TEXT_BODY} of {len(text)} characters</div>'
            text = text[:MAX_TEXT_BODY]
        return note + _pre(text)
    encoded = str(body.get("base64", ""))
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return '<div class="muted">(undecodable base64 body)</div>' + _pre(encoded)
    return (
        f'<div class="muted">binary body, {len(data)} bytes (hex below; base64 in the fold)</div>'
        + _pre(hexdump(data))
        + f"<details><summary>base64</summary>{_pre(encoded)}</details>"
    )


def _headers(headers: Iterable[Sequence[Any]] | None) -> str:
    lines = [f"{h[0]}: {h[1]}" for h in headers or [] if len(h) >= 2]
    return _pre("\n".join(lines)) if lines else '<div class="muted">(no headers)</div>'


def render_exchange(index: int, exchange: Mapping[str, Any]) -> str:
    req = exchange.get("request") or {}
    resp = exchange.get("response")
    spec = exchange.get("spec") or {}
    auth = (spec.get("auth") or {}).get("kind") if isinstance(spec, Mapping) else None
    head = f"#{index} {req.get('method', '?')} {req.get('url', '?')}"
    if auth:
        head += f"  (signed: {auth})"
    left = (
        f'<div><div class="label">request</div>{_pre(head)}'
        f'<div class="label">headers</div>{_headers(req.get("headers"))}'
        f'<div class="label">body</div>{render_body(req.get("body"))}</div>'
    )
    elapsed = exchange.get("elapsed_s")
    if resp is None:
        error = exchange.get("transport_error") or "no response"
        right = f'<div><div class="label">response</div>{_pre("transport error: " + str(error))}</div>'
    else:
        right = (
            f'<div><div class="label">response ({e(elapsed)} s)</div>{_pre("HTTP " + str(resp.get("status")))}'
            f'<div class="label">headers</div>{_headers(resp.get("headers"))}'
            f'<div class="label">body</div>{render_body(resp.get("body"))}</div>'
        )
    return f'<div class="exchange">{left}{right}</div>'


def _exchanges(event: Mapping[str, Any]) -> str:
    exchanges = event.get("exchanges") or []
    if not exchanges:
        return '<div class="muted">no exchange recorded</div>'
    blocks = [render_exchange(i, x) for i, x in enumerate(exchanges, start=1)]
    return f"<details open><summary>{len(blocks)} exchange(s)</summary>{''.join(blocks)}</details>"


def _reproduction(event: Mapping[str, Any]) -> str:
    repro = event.get("reproduction") or {}
    out = []
    if repro.get("seed") is not None:
        out.append(f'<div class="label">seed</div>{_pre(str(repro["seed"]))}')
    if repro.get("blob"):
        out.append(f'<div class="label">reproduce_failure blob</div>{_pre(str(repro["blob"]), "cmd")}')
    if repro.get("replay"):
        out.append(f'<div class="label">replay the recorded exchange</div>{_pre(str(repro["replay"]), "cmd")}')
    if repro.get("rerun"):
        out.append(f'<div class="label">re-run the check</div>{_pre(str(repro["rerun"]), "cmd")}')
    return "".join(out) or '<div class="muted">no reproduction recorded</div>'


def _check_block(event: Mapping[str, Any], cls: str, anchor: str) -> str:
    reqs = ", ".join(str(r) for r in event.get("requirements") or []) or "(none)"
    parts = [
        f'<section class="{cls}" id="{e(anchor)}"><h3>{e(event.get("test_id"))}</h3>',
        f'<div>{_tag(str(event.get("outcome")))} <span class="mono">{e(event.get("level"))}</span> · requirements '
        f'<span class="mono">{e(reqs)}</span> · worker <span class="mono">{e(event.get("worker"))}</span> · '
        f"{e(event.get('duration_s'))} s</div>",
    ]
    if event.get("message"):
        parts.append(f'<div class="label">message</div>{_pre(str(event["message"]))}')
    if event.get("expected") is not None or event.get("observed") is not None:
        parts.append(
            '<div class="cmp">'
            f'<div><div class="label">expected</div>{_pre(str(event.get("expected") or ""))}</div>'
            f'<div><div class="label">observed</div>{_pre(str(event.get("observed") or ""))}</div></div>'
        )
    if event.get("example"):
        parts.append(f'<div class="label">minimal example</div>{_pre(str(event["example"]))}')
    parts.append(_exchanges(event))
    parts.append(_reproduction(event))
    parts.append("</section>")
    return "".join(parts)


def _facts(pairs: Iterable[tuple[str, object]]) -> str:
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in pairs)
    return f'<dl class="facts">{rows}</dl>'


def _simple_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """``rows`` hold already-escaped HTML cells."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(summary: Mapping[str, Any], results: Sequence[CheckResult | Mapping[str, Any]]) -> str:
    """The whole page as a string."""
    events = [as_event(r) for r in results]
    run = summary.get("run") or {}
    verdict = str(summary.get("verdict", "inconclusive"))
    catalog_titles = {str(r["id"]): str(r.get("title", "")) for r in summary.get("requirements") or []}
    out: list[str] = []
    title = f"{VERDICT_LABEL.get(verdict, verdict)} · {run.get('target', '?')} · {run.get('run_id', '')}"
    out.append(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{_css()}</style></head><body>"
    )

    # 1. The verdict.
    out.append('<header id="verdict"><h1>OSS Vectors DeleteVectors conformance</h1>')
    out.append(f'<div class="verdict v-{e(verdict)}">{e(VERDICT_LABEL.get(verdict, verdict))}</div>')
    out.append(
        _facts(
            [
                ("target", run.get("target")),
                ("endpoint", run.get("endpoint")),
                ("started", run.get("started_at")),
                ("ended", run.get("ended_at")),
                ("profile", run.get("profile")),
                ("seed", run.get("seed")),
                ("strict (SHOULD binding)", summary.get("strict")),
                ("run id", run.get("run_id")),
            ]
        )
    )
    out.append(f"<div>{int(summary.get('total', 0))} checks: {_counts_text(summary.get('counts') or {})}</div></header>")

    # 2. Requirements.
    out.append("<h2>Requirements</h2>")
    rows = []
    for req in summary.get("requirements") or []:
        rows.append(
            [
                f'<span class="mono" id="req-{e(req["id"])}">{e(req["id"])}</span>',
                e(req.get("level")),
                e(req.get("title")) + ("" if req.get("in_catalog", True) else ' <span class="muted">(not in catalog)</span>'),
                _counts_text(req.get("outcomes") or {}),
                _tag(str(req.get("verdict"))),
            ]
        )
    out.append(_simple_table(["id", "level", "title", "outcomes", "verdict"], rows))

    # 3. Failures, then known failures and unexpected passes.
    failures = [ev for ev in events if ev.get("outcome") == "fail"]
    out.append(f"<h2>Failures ({len(failures)})</h2>")
    if not failures:
        out.append('<p class="muted">No check failed.</p>')
    out.extend(_check_block(ev, "failure", f"fail-{i}") for i, ev in enumerate(failures, start=1))
    for outcome, heading in (
        ("xfail", "Known failures (listed in the expectations file)"),
        ("xpass", "Unexpected passes (news)"),
    ):
        listed = [ev for ev in events if ev.get("outcome") == outcome]
        if listed:
            out.append(f"<h2>{e(heading)} ({len(listed)})</h2>")
            out.append(
                _simple_table(
                    ["test", "requirements", "message"],
                    (
                        [
                            f'<span class="mono">{e(ev.get("test_id"))}</span>',
                            e(", ".join(ev.get("requirements") or [])),
                            e(ev.get("message")),
                        ]
                        for ev in listed
                    ),
                )
            )

    # 4. Observed behaviour.
    observed = [ev for ev in events if ev.get("outcome") == "observed"]
    out.append("<h2>Observed: what this endpoint does where the documentation is silent</h2>")
    if observed:
        out.append(
            _simple_table(
                ["requirement", "test", "observed"],
                (
                    [
                        "<br>".join(
                            f'<span class="mono">{e(r)}</span> {e(catalog_titles.get(str(r), ""))}'
                            for r in ev.get("requirements") or []
                        ),
                        f'<span class="mono">{e(ev.get("test_id"))}</span>',
                        _pre(str(ev.get("observed") or ev.get("message") or "")),
                    ]
                    for ev in observed
                ),
            )
        )
    else:
        out.append('<p class="muted">Nothing observed in this run.</p>')

    # 5. Coverage of the catalog.
    reqs = [r for r in summary.get("requirements") or [] if r.get("in_catalog", True)]
    covered = [r for r in reqs if r.get("verdict") != "not-covered"]
    out.append("<h2>Coverage of the requirement catalog</h2>")
    out.append(f"<p>{len(covered)} of {len(reqs)} catalogued requirements were judged or observed in this run.</p>")
    not_covered = [r for r in reqs if r.get("verdict") == "not-covered"]
    if not_covered:
        out.append(
            _simple_table(
                ["not covered", "level", "title", "source"],
                (
                    [f'<span class="mono">{e(r["id"])}</span>', e(r.get("level")), e(r.get("title")), e(r.get("source"))]
                    for r in not_covered
                ),
            )
        )
    if summary.get("uncatalogued"):
        missing = e(", ".join(str(r) for r in summary["uncatalogued"]))
        out.append(f'<p>Checks named requirements missing from the catalog: <span class="mono">{missing}</span></p>')

    # 6. Harness errors, apart from failures.
    errors = [ev for ev in events if ev.get("outcome") == "error"]
    out.append(f"<h2>Harness errors ({len(errors)}): no verdict on the target</h2>")
    if not errors:
        out.append('<p class="muted">None.</p>')
    out.extend(_check_block(ev, "error", f"error-{i}") for i, ev in enumerate(errors, start=1))

    # 7. Run details.
    versions = run.get("versions") or {}
    expectations = run.get("expectations") or {}
    out.append("<h2>Run details</h2>")
    out.append(
        _facts(
            [
                ("driver", run.get("driver")),
                ("versions", ", ".join(f"{k} {v}" for k, v in versions.items() if v is not None)),
                ("argv", " ".join(str(a) for a in run.get("argv") or [])),
                ("exit code", run.get("exit_code")),
                ("expectations", f"{expectations.get('path', '')} (sha256 {expectations.get('sha256', '')})"),
                ("expectation entries", len(expectations.get("entries") or [])),
            ]
        )
    )
    settings = json.dumps(run.get("settings_redacted") or {}, indent=2, sort_keys=True, ensure_ascii=False)
    out.append(f"<details><summary>settings (redacted)</summary>{_pre(settings)}</details>")
    out.append("</body></html>\n")
    return "".join(out)


def write_html(run_dir: Path, summary: Mapping[str, Any], results: Sequence[CheckResult | Mapping[str, Any]]) -> Path:
    """Write ``<run_dir>/report.html`` and return its path."""
    path = Path(run_dir) / HTML_FILE
    write_atomic(path, render_html(summary, results))
    return path
