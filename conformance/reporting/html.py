"""``report.html``: one self-contained page a person can open offline the morning after.

Inline CSS only, no scripts, nothing fetched (a Content-Security-Policy says so too); every string
that came from the target or from a test is escaped, because response bodies are hostile input.
Order follows the reader's questions: the verdict, what failed and how to replay it, the
requirement table, what the endpoint does where the documentation is silent (two inline SVG
charts: the read-after-delete lag seen, and the answers given per OBSERVE requirement), coverage,
harness errors.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections import Counter
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


READ_LAG = "DV-OBS-READ-LAG"
MAX_ANSWERS_SHOWN = 5  # per OBSERVE requirement in the answers chart; the rest are summed up
MAX_LAG_BARS = 12

# Beside report.css: the charts (SVG text and bars follow the page's colour scheme), the failure list, and
# grid cells that may shrink below their content (a key of one base character and a thousand combining marks
# cannot be broken, and would otherwise widen the whole page; its <pre> scrolls instead).
EXTRA_CSS = """
.exchange > div, .cmp > div { min-width: 0; }
pre { overflow-wrap: anywhere; }
.chart { margin: .6rem 0 1rem; }
.chart svg { display: block; max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
.chart svg text { fill: currentColor; }
.chart svg .bar { fill: #3a6ea5; }
.chart svg .bar.zero { fill: #1b7f3b; }
.chart svg .axis { stroke: currentColor; stroke-opacity: .5; }
.chart svg .req { font-weight: 600; font-family: ui-monospace, monospace; }
.chart figcaption { color: var(--muted); font-size: .85rem; }
.failure-list td { font-size: .9rem; }
.failure-list td:nth-child(4) { max-width: 28rem; }
"""


def _css() -> str:
    return resources.files("conformance.reporting").joinpath("report.css").read_text(encoding="utf-8")


def page_css() -> str:
    """Everything a page of this package inlines: report.css and the chart styles."""
    return _css() + EXTRA_CSS


def page_head(title: str) -> str:
    """The start of a self-contained page: no scripts, nothing fetched (the CSP says so too)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{page_css()}</style></head><body>"
    )


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
        f"{_duration(event.get('duration_s'))}</div>",
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


def _failure_table(failures: Sequence[Mapping[str, Any]]) -> str:
    """One row per failure, each linking to its details: all of them readable at a glance, before the requirement table."""
    rows = []
    for i, ev in enumerate(failures, start=1):
        reqs = " ".join(f'<a class="mono" href="#req-{e(r)}">{e(r)}</a>' for r in ev.get("requirements") or [])
        expected, observed = ev.get("expected"), ev.get("observed")
        what = (
            f"expected {e(_clip(str(expected), 240))}<br>observed {e(_clip(str(observed), 240))}"
            if expected is not None or observed is not None
            else e(_clip(str(ev.get("message") or ""), 400))
        )
        rows.append(
            [
                f'<a href="#fail-{i}">{i}</a>',
                reqs or '<span class="muted">(none)</span>',
                e(ev.get("level")),
                f'<span class="mono">{e(ev.get("test_id"))}</span>',
                what,
            ]
        )
    return f'<div class="failure-list">{_simple_table(["#", "requirement", "level", "check", "what went wrong"], rows)}</div>'


def _duration(value: object) -> str:
    try:
        return f"{float(str(value)):.3f} s"
    except ValueError:
        return f"{e(value)} s"


def _facts(pairs: Iterable[tuple[str, object]]) -> str:
    rows = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in pairs)
    return f'<dl class="facts">{rows}</dl>'


def _simple_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """``rows`` hold already-escaped HTML cells."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- charts ------------------------------------------------------------------------

_NUMBER = r"(?P<value>\d+(?:[.,]\d+)?)\s*(?P<unit>ms|msec|milliseconds?|s|sec|secs|seconds?)?"
_AFTER = re.compile(r"\bafter\s+(?:about\s+|~\s*)?" + _NUMBER + r"(?![a-z])")
_BARE = re.compile(r"\s*~?\s*" + _NUMBER + r"\s*")
_NEGATED = re.compile(r"\b(?:not|never|no|did\s+not|without)\b")


def parse_lag(answer: str) -> float | None:
    """Seconds from one DV-OBS-READ-LAG answer, or None when it names no lag seen.

    "immediately consistent" is 0; "converged after 1.2 s", "converged after 1.2 s (GetVectors)",
    "after 250 ms" and a bare "1.2 s" are read; "did not converge within 10 s" and anything else
    are not (the chart lists them apart)."""
    text = " ".join(answer.lower().split())
    if not text or _NEGATED.search(text.split("(")[0]):
        return None
    if text.startswith("immediate") or " immediately" in f" {text}":
        return 0.0
    match = _AFTER.search(text) or _BARE.fullmatch(text)
    if match is None:
        return None
    value = float(match.group("value").replace(",", "."))
    unit = (match.group("unit") or "s").lower()
    seconds = value / 1000 if unit.startswith("m") else value
    return seconds if math.isfinite(seconds) else None


def observed_answers(event: Mapping[str, Any]) -> list[str]:
    """The distinct answers one OBSERVE record lists (the recorder joins them with "; ")."""
    text = event.get("observed")
    if text is None:
        return []
    return [part.strip() for part in str(text).split("; ") if part.strip()]


def _observed_events(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [ev for ev in events if ev.get("outcome") == "observed"]


def lag_observations(events: Sequence[Mapping[str, Any]]) -> tuple[list[float], list[str]]:
    """The read-after-delete lags seen (seconds, one per check and distinct answer), and answers that name none."""
    lags: list[float] = []
    other: list[str] = []
    for ev in _observed_events(events):
        if READ_LAG not in (ev.get("requirements") or []):
            continue
        for answer in observed_answers(ev):
            seconds = parse_lag(answer)
            if seconds is None:
                other.append(answer)
            else:
                lags.append(seconds)
    return lags, other


def answer_counts(events: Sequence[Mapping[str, Any]]) -> dict[str, Counter[str]]:
    """OBSERVE requirement -> answer -> how many checks saw it (the read lag has its own chart)."""
    counts: dict[str, Counter[str]] = {}
    for ev in _observed_events(events):
        for req in ev.get("requirements") or []:
            if req == READ_LAG:
                continue
            bucket = counts.setdefault(str(req), Counter())
            bucket.update(observed_answers(ev))
    return {req: c for req, c in sorted(counts.items()) if c}


def _seconds(value: float) -> str:
    return "0 s" if value == 0 else f"{value:.3f}".rstrip("0").rstrip(".") + " s"


def lag_bins(lags: Sequence[float]) -> list[tuple[str, int]]:
    """(label, count) bars: one per lag seen when there are few, else "immediate" plus equal-width ranges."""
    if not lags:
        return []
    distinct = sorted(set(lags))
    if len(distinct) <= MAX_LAG_BARS:
        counted = Counter(lags)
        return [("immediate" if v == 0 else _seconds(v), counted[v]) for v in distinct]
    positive = [v for v in lags if v > 0]
    bins = MAX_LAG_BARS - 1
    top = max(positive)
    width = top / bins
    counts = [0] * bins
    for v in positive:
        counts[min(bins - 1, int(v / width))] += 1
    out = [("immediate", len(lags) - len(positive))] if len(positive) < len(lags) else []
    out += [(f"{_seconds(i * width)}–{_seconds((i + 1) * width)}", n) for i, n in enumerate(counts)]
    return out


def _fmt_count(n: int) -> str:
    return f"{n:,}"


def render_lag_chart(lags: Sequence[float], other: Sequence[str] = ()) -> str:
    """A column chart of the read-after-delete lag seen, as inline SVG (empty note without observations)."""
    if not lags and not other:
        return '<p class="muted">No read-after-delete lag was recorded in this run.</p>'
    bars = lag_bins(lags)
    caption = (
        f"Read-after-delete lag ({READ_LAG}): {_fmt_count(len(lags))} observation(s)"
        + (f", {sum(1 for v in lags if v == 0)} immediately consistent, longest {_seconds(max(lags))}" if lags else "")
        + ". Each check counts each distinct lag it saw once."
    )
    parts = [f'<figure class="chart" id="chart-read-lag"><figcaption>{e(caption)}</figcaption>']
    if bars:
        slot, bar_w, left, top, plot_h = 56, 40, 36, 16, 120
        width = left + slot * len(bars) + 8
        height = top + plot_h + 40
        peak = max(n for _, n in bars) or 1
        svg = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{e(caption)}">',
            f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - 4}" y2="{top + plot_h}"/>',
            f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{peak}</text>',
            f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
        ]
        for i, (label, n) in enumerate(bars):
            h = round(plot_h * n / peak)
            x = left + i * slot + (slot - bar_w) // 2
            cls = "bar zero" if label == "immediate" else "bar"
            svg.append(
                f'<rect class="{cls}" x="{x}" y="{top + plot_h - h}" width="{bar_w}" height="{h}">'
                f"<title>{e(label)}: {n} observation(s)</title></rect>"
            )
            svg.append(f'<text x="{x + bar_w / 2:g}" y="{top + plot_h - h - 3}" text-anchor="middle">{n}</text>')
            svg.append(f'<text x="{x + bar_w / 2:g}" y="{top + plot_h + 14}" text-anchor="middle">{e(label)}</text>')
        middle = left + (width - left) / 2
        svg.append(f'<text x="{middle:g}" y="{height - 4}" text-anchor="middle">seconds until the delete was visible</text>')
        svg.append("</svg>")
        parts.append("".join(svg))
    if other:
        shown = ", ".join(sorted(set(other))[:10])
        parts.append(f'<div class="muted">answers naming no lag: {e(shown)}</div>')
    parts.append("</figure>")
    return "".join(parts)


def render_answers_chart(counts: Mapping[str, Counter[str]], titles: Mapping[str, str] | None = None) -> str:
    """Horizontal bars: per OBSERVE requirement, how many checks saw each answer (the most frequent first)."""
    if not counts:
        return '<p class="muted">No answer was recorded where the documentation is silent.</p>'
    rows: list[tuple[str, str, int]] = []  # (kind, text, count): kind "req", "answer" or "rest"
    for req, counter in counts.items():
        rows.append(("req", req, 0))
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
        rows += [("answer", answer, n) for answer, n in ranked[:MAX_ANSWERS_SHOWN]]
        rest = ranked[MAX_ANSWERS_SHOWN:]
        if rest:
            rows.append(("rest", f"{len(rest)} other answer(s)", sum(n for _, n in rest)))
    peak = max(n for kind, _, n in rows if kind != "req") or 1
    label_w, bar_max, row_h, top = 330, 220, 18, 4
    width, height = label_w + bar_max + 60, top + row_h * len(rows) + 4
    caption = "Answers where the documentation is silent: how many checks saw each answer, per OBSERVE requirement."
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{e(caption)}">'
    ]
    for i, (kind, text, n) in enumerate(rows):
        y = top + i * row_h
        if kind == "req":
            title = (titles or {}).get(text, "")
            label = text + (f": {title}" if title else "")
            svg.append(f'<text class="req" x="0" y="{y + 13}">{e(_clip(label, 72))}<title>{e(label)}</title></text>')
            continue
        w = max(1, round(bar_max * n / peak))
        style = ' font-style="italic"' if kind == "rest" else ""
        svg.append(
            f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end"{style}>{e(_clip(text, 48))}<title>{e(text)}</title></text>'
        )
        svg.append(
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}"><title>{e(text)}: {n}</title></rect>'
        )
        svg.append(f'<text x="{label_w + w + 4}" y="{y + 13}">{n}</text>')
    svg.append("</svg>")
    return f'<figure class="chart" id="chart-answers"><figcaption>{e(caption)}</figcaption>{"".join(svg)}</figure>'


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_html(summary: Mapping[str, Any], results: Sequence[CheckResult | Mapping[str, Any]]) -> str:
    """The whole page as a string."""
    events = [as_event(r) for r in results]
    run = summary.get("run") or {}
    verdict = str(summary.get("verdict", "inconclusive"))
    catalog_titles = {str(r["id"]): str(r.get("title", "")) for r in summary.get("requirements") or []}
    out: list[str] = []
    title = f"{VERDICT_LABEL.get(verdict, verdict)} · {run.get('target', '?')} · {run.get('run_id', '')}"
    out.append(page_head(title))

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

    # 2. Failures first (what the reader came for), then known failures and unexpected passes.
    failures = [ev for ev in events if ev.get("outcome") == "fail"]
    out.append(f'<h2 id="failures">Failures ({len(failures)})</h2>')
    if not failures:
        out.append('<p class="muted">No check failed.</p>')
    else:
        out.append(_failure_table(failures))
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

    out.append(render_reference_section(summary.get("reference")))
    out.append(render_requests_section(summary.get("requests")))

    # 3. Requirements.
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

    # 4. Each failure in full: expected and observed, the minimal example, the exchanges, how to replay it.
    if failures:
        out.append(f"<h2>Failure details ({len(failures)})</h2>")
        out.extend(_check_block(ev, "failure", f"fail-{i}") for i, ev in enumerate(failures, start=1))

    # 5. Observed behaviour.
    observed = [ev for ev in events if ev.get("outcome") == "observed"]
    out.append("<h2>Observed: what this endpoint does where the documentation is silent</h2>")
    out.append(render_lag_chart(*lag_observations(events)))
    out.append(render_answers_chart(answer_counts(events), catalog_titles))
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

    # 6. Coverage of the catalog.
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

    # 7. Harness errors, apart from failures.
    errors = [ev for ev in events if ev.get("outcome") == "error"]
    out.append(f"<h2>Harness errors ({len(errors)}): no verdict on the target</h2>")
    if not errors:
        out.append('<p class="muted">None.</p>')
    out.extend(_check_block(ev, "error", f"error-{i}") for i, ev in enumerate(errors, start=1))

    # 8. Run details.
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


def render_reference_section(section: Mapping[str, Any] | None) -> str:
    """``--reference``: the OBSERVE answers that differ from the reference profile (never failures), then the
    families the reference never saw, folded; nothing without a reference."""
    if not section:
        return ""
    diffs = list(section.get("differs") or [])
    missing = list(section.get("not_in_reference") or [])
    recorded = section.get("recorded") or {}
    made = ", ".join(f"{k} {v}" for k, v in recorded.items() if v is not None)
    out = [
        f'<h2 id="reference">Differs from reference ({len(diffs)})</h2>',
        f'<p>Reference <span class="mono">{e(section.get("source"))}</span> ({e(made)}): {len(diffs)} answer(s) differ, '
        f"{int(section.get('matched', 0))} as in the reference, {len(missing)} in families the reference never saw. "
        "Where the documentation is silent a difference is news, not a failure: the verdict does not change.</p>",
    ]

    def where(item: Mapping[str, Any]) -> str:
        test = str(item.get("test"))
        return '<span class="muted">every answer</span>' if test == "*" else f'<span class="mono">{e(test)}</span>'

    if diffs:
        rows = [
            [
                f'<span class="mono">{e(d.get("requirement"))}</span>',
                where(d),
                f'<span class="mono">{e(d.get("family"))}</span>',
                e(" | ".join(d.get("answers") or [])),
                e(" | ".join(d.get("reference") or [])),
            ]
            for d in diffs
        ]
        out.append(_simple_table(["requirement", "test", "input family", "answered", "reference answered"], rows))
    else:
        out.append('<p class="muted">No answer differs from the reference.</p>')
    if missing:
        rows = [
            [f'<span class="mono">{e(m.get("requirement"))}</span>', where(m), f'<span class="mono">{e(m.get("family"))}</span>',
             e(" | ".join(m.get("answers") or []))]
            for m in missing
        ]
        table = _simple_table(["requirement", "test", "input family", "answered"], rows)
        out.append(f"<details><summary>Not in reference ({len(missing)})</summary>{table}</details>")
    return "".join(out)


def render_requests_section(section: Mapping[str, Any] | None) -> str:
    """What the run cost the endpoint: requests by purpose and operation, per judged example, the costliest
    tests; nothing when no process reported (a run that died before its end)."""
    if not section or not section.get("total"):
        return ""
    per = section.get("per_judged_example")
    out = [
        '<h2 id="requests">Requests</h2>',
        _facts(
            [
                ("requests", f"{int(section['total']):,}"),
                ("judged examples", f"{int(section.get('judged_examples') or 0):,}"),
                ("per judged example", per if per is not None else "-"),
                ("outside tests (buckets, canaries, teardown)", section.get("outside_tests", 0)),
            ]
        ),
    ]
    purposes = section.get("by_purpose") or {}
    operations = section.get("by_operation") or {}
    out.append(_simple_table(["purpose", "requests"], ([e(p), e(f"{int(n):,}")] for p, n in purposes.items())))
    out.append(_simple_table(["operation", "requests"], ([e(o), e(f"{int(n):,}")] for o, n in operations.items())))
    tests = sorted(section.get("by_test") or [], key=lambda t: -int(t.get("requests") or 0))
    if tests:
        rows = (
            [
                e(t.get("test_id")),
                e(f"{int(t.get('requests') or 0):,}"),
                e(t.get("judged_examples")),
                e(t.get("per_judged_example") if t.get("per_judged_example") is not None else "-"),
                e(", ".join(f"{k} {v}" for k, v in (t.get("by_purpose") or {}).items() if v)),
            ]
            for t in tests
        )
        table = _simple_table(["test", "requests", "judged examples", "per example", "by purpose"], rows)
        out.append(f"<details><summary>By test ({len(tests)}), costliest first</summary>{table}</details>")
    return "\n".join(out)


def write_html(run_dir: Path, summary: Mapping[str, Any], results: Sequence[CheckResult | Mapping[str, Any]]) -> Path:
    """Write ``<run_dir>/report.html`` and return its path."""
    path = Path(run_dir) / HTML_FILE
    write_atomic(path, render_html(summary, results))
    return path
