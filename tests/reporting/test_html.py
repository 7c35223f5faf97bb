"""``report.html`` is one offline, script-free page that escapes what the target sent."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from conformance.records import CheckResult
from conformance.reporting.html import write_html
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import write_summary

from .factories import HOSTILE


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in {"src", "href", "action", "srcset", "data", "poster"}]


def _page(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> str:
    summary = write_summary(tmp_path, info, results)
    path = write_html(tmp_path, summary, [r.to_json() for r in results])
    assert path == tmp_path / "report.html"
    return path.read_text(encoding="utf-8")


def test_report_is_self_contained(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    page = _page(tmp_path, info, results)
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags
    assert "<script" not in page.lower()
    assert not {"link", "img", "iframe", "object", "embed", "form"} & set(parser.tags)
    assert all(url.startswith("#") for url in parser.urls), parser.urls  # in-page anchors only
    assert "@import" not in page and "url(" not in page
    assert "<style>" in page
    assert "Content-Security-Policy" in page


def test_report_escapes_hostile_content(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    page = _page(tmp_path, info, results)
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "X-&quot;Evil&quot;" in page  # a quote in a header name
    assert "&lt;b&gt;" in page  # the observed value
    # Nothing hostile reached an attribute unescaped.
    for attr in re.findall(r'="([^"]*)"', page):
        assert "<" not in attr


def test_report_shows_binary_bodies_as_hex(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    page = _page(tmp_path, info, results)
    assert "binary body, 256 bytes" in page
    assert "00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f" in page


def test_report_order_verdict_first(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    page = _page(tmp_path, info, results)
    positions = [
        page.index("NOT conformant"),
        page.index(">Requirements<"),
        page.index("Failures (1)"),
        page.index("test_delete_vectors_501_unique_keys_rejected</h3>"),
        page.index("Observed: what this endpoint does"),
        page.index("Coverage of the requirement catalog"),
        page.index("Harness errors (1)"),
        page.index("test_delete_vectors_network</h3>"),
    ]
    assert positions == sorted(positions)
    head = page[: positions[2]]
    for fact in ("emulator", "http://127.0.0.1:8080", "nightly", "1234", "2025-01-01T00:00:00Z"):
        assert fact in head


def test_report_failure_block_has_everything_to_reproduce(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    page = _page(tmp_path, info, results)
    failure = page[page.index('id="fail-1"') : page.index("Observed: what this endpoint does")]
    assert "HTTP 400 InvalidArgument" in failure  # expected
    assert "HTTP 200 &quot;ok&quot;" in failure  # observed
    assert "minimal example" in failure
    assert "POST https://bucket-123.oss-vectors.example.invalid/?deleteVectors" in failure
    assert '<pre class="cmd">ossv-conformance run -k test_delete_vectors_501_unique_keys_rejected --seed 1234</pre>' in failure
    assert "ossv-conformance replay" in failure
    assert "AXicY2BgAAAABAAB" in failure
    errors = page[page.index("Harness errors") :]
    assert "transport error: connection reset by peer" in errors


def test_report_lists_uncovered_requirements(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    page = _page(tmp_path, info, results)
    coverage = page[page.index("Coverage of the requirement catalog") : page.index("Harness errors")]
    assert "4 of 5 catalogued requirements" in coverage
    assert "DV-MUST-9" in coverage
