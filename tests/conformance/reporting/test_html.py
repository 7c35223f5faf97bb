"""``report.html`` is one offline, script-free page that escapes what the target sent."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conformance.records import CheckResult, Level, Outcome
from conformance.reporting.html import (
    answer_counts,
    lag_bins,
    lag_observations,
    parse_lag,
    render_answers_chart,
    render_html,
    render_lag_chart,
    write_html,
)
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import write_summary
from tests.helpers.report_factories import HOSTILE, check


class _HtmlCollector(HTMLParser):
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
    parser = _HtmlCollector()
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
        page.index("Failures (1)"),
        page.index('<a href="#fail-1">1</a>'),  # the failure's row, before the requirement table
        page.index(">Requirements<"),
        page.index("Failure details (1)"),
        page.index("test_delete_vectors_501_unique_keys_rejected</h3>"),
        page.index("Observed: what this endpoint does"),
        page.index('id="chart-answers"'),
        page.index("Coverage of the requirement catalog"),
        page.index("Harness errors (1)"),
        page.index("test_delete_vectors_network</h3>"),
    ]
    assert positions == sorted(positions)
    head = page[: positions[1]]
    for fact in ("emulator", "http://127.0.0.1:8080", "nightly", "1234", "2025-01-01T00:00:00Z"):
        assert fact in head


def test_failure_table_lists_every_failure_before_the_requirements(
    tmp_path: Path, info: RunInfo, results: list[CheckResult]
) -> None:
    results = [*results, check("t::second", Outcome.FAIL, requirements=("DV-MUST-1",), message="second failure")]
    page = _page(tmp_path, info, results)
    table = page[page.index("Failures (2)") : page.index(">Requirements<")]
    assert "test_delete_vectors_501_unique_keys_rejected" in table and "t::second" in table
    assert "expected HTTP 400 InvalidArgument" in table and "second failure" in table
    assert '<a href="#fail-2">2</a>' in table and 'href="#req-DV-MUST-2"' in table
    assert 'id="fail-2"' in page


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


def _observed(requirement: str, observed: str, test: str = "t::x") -> CheckResult:
    return check(f"{test}[{requirement}]", Outcome.OBSERVED, Level.OBSERVE, (requirement,), observed=observed)


@pytest.mark.parametrize(
    ("answer", "seconds"),
    [
        ("immediately consistent", 0.0),
        ("converged after 1.2 s", 1.2),
        ("converged after 1.2 s (GetVectors)", 1.2),
        ("converged after 0.4s (ListVectors)", 0.4),
        ("Converged after 2,5 s", 2.5),
        ("converged after 250 ms", 0.25),
        ("converged after about 3 seconds", 3.0),
        ("1.5 s", 1.5),
        ("did not converge within 10 s", None),
        ("never converged", None),
        ("recorded", None),
        ("", None),
    ],
)
def test_parse_lag_is_defensive(answer: str, seconds: float | None) -> None:
    assert parse_lag(answer) == seconds


def test_lag_observations_split_joined_answers_and_keep_the_rest() -> None:
    events = [
        _observed("DV-OBS-READ-LAG", "converged after 0.3 s; converged after 1.2 s (GetVectors); immediately consistent")
        .to_json(),
        _observed("DV-OBS-READ-LAG", "immediately consistent").to_json(),
        _observed("DV-OBS-READ-LAG", "did not converge within 10 s").to_json(),
        _observed("DV-OBS-AUTH-CODE", "converged after 9 s").to_json(),  # another requirement: not a lag
        check("t::y[DV-OBS-READ-LAG]", Outcome.PASS, Level.OBSERVE, ("DV-OBS-READ-LAG",)).to_json(),
    ]
    lags, other = lag_observations(events)
    assert sorted(lags) == [0.0, 0.0, 0.3, 1.2]
    assert other == ["did not converge within 10 s"]
    assert lag_bins(lags) == [("immediate", 2), ("0.3 s", 1), ("1.2 s", 1)]


def test_many_lags_are_binned() -> None:
    lags = [0.0] * 5 + [i / 10 for i in range(1, 101)]
    bins = lag_bins(lags)
    assert bins[0] == ("immediate", 5)
    assert len(bins) == 12 and sum(n for _, n in bins) == len(lags)
    assert bins[-1][0].endswith("10 s")


def test_answers_chart_counts_per_requirement_and_answer() -> None:
    events = [
        _observed("DV-OBS-AUTH-CODE", "403 AccessDenied; 403 SignatureDoesNotMatch", "t::a").to_json(),
        _observed("DV-OBS-AUTH-CODE", "403 AccessDenied", "t::b").to_json(),
        _observed("DV-OBS-DUPLICATES", "204", "t::c").to_json(),
        _observed("DV-OBS-READ-LAG", "immediately consistent", "t::d").to_json(),
    ]
    counts = answer_counts(events)
    assert list(counts) == ["DV-OBS-AUTH-CODE", "DV-OBS-DUPLICATES"]  # the lag has its own chart
    assert counts["DV-OBS-AUTH-CODE"] == {"403 AccessDenied": 2, "403 SignatureDoesNotMatch": 1}
    svg = render_answers_chart(counts, {"DV-OBS-AUTH-CODE": "Which code each auth failure gets"})
    assert svg.count("<rect") == 3
    assert svg.index("403 AccessDenied") < svg.index("403 SignatureDoesNotMatch")  # the most frequent first
    assert "Which code each auth failure gets" in svg


def test_answers_chart_sums_up_the_long_tail() -> None:
    events = [_observed("DV-OBS-HEADERS", f"answer {i}", f"t::{i}").to_json() for i in range(9)]
    svg = render_answers_chart(answer_counts(events))
    assert svg.count("<rect") == 6 and "4 other answer(s)" in svg


def test_charts_escape_hostile_answers_and_say_when_empty() -> None:
    counts = answer_counts([_observed("DV-OBS-HEADERS", HOSTILE).to_json()])
    svg = render_answers_chart(counts)
    assert HOSTILE not in svg and "&lt;script&gt;" in svg
    assert "No answer was recorded" in render_answers_chart({})
    assert "No read-after-delete lag" in render_lag_chart([], [])
    lag_svg = render_lag_chart([0.0, 1.5], [HOSTILE])
    assert HOSTILE not in lag_svg and "answers naming no lag" in lag_svg and "longest 1.5 s" in lag_svg


def test_report_has_both_charts_inline(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    results = [*results, _observed("DV-OBS-READ-LAG", "converged after 1.2 s; immediately consistent")]
    page = _page(tmp_path, info, results)
    assert page.count("<svg ") == 2
    assert 'id="chart-read-lag"' in page and 'id="chart-answers"' in page
    assert page.index('id="chart-read-lag"') > page.index(">Requirements<")
    parser = _HtmlCollector()
    parser.feed(page)
    assert "script" not in parser.tags and all(url.startswith("#") for url in parser.urls)


def test_report_renders_from_events_alone() -> None:
    page = render_html({"verdict": "conformant", "run": {"target": "t"}}, [])
    assert ">conformant<" in page and "No check failed." in page
