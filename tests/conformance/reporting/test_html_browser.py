"""report.html and compare.html rendered by a real headless browser: the verdict and every failure are visible.

The pages carry no script (a CSP forbids it), so the check runs in a copy: the same markup and
styles, the CSP meta tag swapped for a probe script that measures, after layout, whether each element
the reader must see is displayed (non-zero box, not hidden, not transparent, inside the page's width)
and writes the answer into the DOM, which ``--dump-dom`` returns. A screenshot of the top of each page
is taken too (kept in the test's tmp directory). Without a browser the tests are skipped, saying why.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from conformance.records import CheckResult, Outcome
from conformance.reporting.compare import compare_main
from conformance.reporting.html import write_html
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import write_summary
from tests.helpers.report_factories import HOSTILE, RunWriter, check

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",  # the CI runs as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,1000",
)


def browser() -> str | None:
    for candidate in CANDIDATES:
        found = candidate if os.path.isabs(candidate) and os.access(candidate, os.X_OK) else shutil.which(candidate)
        if found:
            return found
    return None


BROWSER = browser()
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no headless browser: /usr/bin/chromium not found (.ci/run installs Debian's chromium)"
)

PROBE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const visible = (el) => {
    if (!el) return "missing";
    const box = el.getBoundingClientRect();
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) return "hidden";
    }
    if (box.width < 1 || box.height < 1) return "no size";
    if (box.left < 0 || box.right > width + 1) return "outside the page";
    return "visible:" + Math.round(box.top + window.scrollY);
  };
  const probes = JSON.parse(document.getElementById("probe-targets").textContent);
  const answer = {scrollWidth: document.documentElement.scrollWidth, width: width, items: {}};
  for (const [name, selector, text] of probes) {
    const candidates = [...document.querySelectorAll(selector)].filter((el) => !text || el.textContent.includes(text));
    answer.items[name] = candidates.length ? visible(candidates[0]) : "missing";
  }
  const out = document.createElement("pre");
  out.id = "probe-answer";
  out.textContent = JSON.stringify(answer);
  document.body.appendChild(out);
});
</script>"""


def _run_browser(*args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    with tempfile.TemporaryDirectory(prefix="ossv-chromium-") as profile:  # a fresh profile every time
        cmd = [BROWSER, *FLAGS, f"--user-data-dir={profile}", *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def render(page: Path, probes: list[tuple[str, str, str]], screenshot: Path) -> dict[str, Any]:
    """Lay the page out in the browser; what the probe measured, plus a screenshot of the page as it is."""
    shot = _run_browser(f"--screenshot={screenshot}", page.as_uri())
    assert screenshot.is_file() and screenshot.stat().st_size > 2_000, shot.stderr[-2000:]
    source = page.read_text(encoding="utf-8")
    probed = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", source, count=1)
    assert probed != source, "the page's CSP meta tag moved: update the probe"
    targets = f'<script type="application/json" id="probe-targets">{html.escape(json.dumps(probes), quote=False)}</script>'
    probed = probed.replace("</body>", targets + PROBE + "</body>")
    copy = page.with_name("probe-" + page.name)
    copy.write_text(probed, encoding="utf-8")
    dumped = _run_browser("--virtual-time-budget=5000", "--dump-dom", copy.as_uri())
    match = re.search(r'<pre id="probe-answer">(.*?)</pre>', dumped.stdout, flags=re.S)
    assert match, f"the probe did not run: {dumped.stderr[-2000:]}"
    answer: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return answer


def _failures(n: int) -> list[CheckResult]:
    return [
        check(
            f"test_delete_limits.py::test_failure_number_{i}[DV-MUST-2]",
            Outcome.FAIL,
            requirements=("DV-MUST-2",),
            message=f"failure {i}",
            expected="HTTP 400 VectorIndexParameterInvalid",
            observed=f"HTTP 204 (failure {i}) {HOSTILE}",
            example="keys=[" + "x" * 3000 + "]",  # one long unbreakable line must not widen the page
        )
        for i in range(1, n + 1)
    ]


def test_report_verdict_and_every_failure_are_visible(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    lag = check(
        "t::lag[DV-OBS-READ-LAG]",
        Outcome.OBSERVED,
        requirements=("DV-OBS-READ-LAG",),
        observed="converged after 1.2 s; immediately consistent",
    )
    everything = [*results, *_failures(12), lag]
    summary = write_summary(tmp_path, info, everything)
    page = write_html(tmp_path, summary, [r.to_json() for r in everything])
    failing = [r for r in everything if r.outcome is Outcome.FAIL]
    probes = [("verdict", ".verdict", "NOT conformant"), ("failures heading", "h2", "Failures (13)")]
    for i, result in enumerate(failing, start=1):
        probes.append((f"row {i}", ".failure-list tr", result.test_id))
        probes.append((f"details {i}", f"#fail-{i} h3", result.test_id))
    probes += [("lag chart", "#chart-read-lag svg", ""), ("answers chart", "#chart-answers svg", "")]
    answer = render(page, probes, tmp_path / "report.png")
    items = answer["items"]
    not_visible = {k: v for k, v in items.items() if not str(v).startswith("visible")}
    assert not not_visible, not_visible
    assert answer["scrollWidth"] <= answer["width"] + 1, "something widens the page beyond the window"
    top = {k: int(str(v).split(":")[1]) for k, v in items.items()}
    assert top["verdict"] < 300  # the first thing on the page
    assert top["verdict"] < top["failures heading"] < top["row 1"] < top["row 13"]


def test_compare_page_verdict_and_every_new_failure_are_visible(make_run: RunWriter, tmp_path: Path) -> None:
    passing = [check(f"test_delete_limits.py::test_failure_number_{i}[DV-MUST-2]", Outcome.PASS) for i in range(1, 9)]
    base = make_run("base", passing)
    new = make_run("new", _failures(8))
    assert compare_main([str(base), str(new)], stdout=io.StringIO(), stderr=io.StringIO()) == 1
    probes = [("verdict", ".verdict", "REGRESSED: 8 binding check(s) newly fail")]
    probes += [(f"new failure {i}", "#new-failures ~ table tr", f"test_failure_number_{i}[") for i in range(1, 9)]
    answer = render(new / "compare.html", probes, tmp_path / "compare.png")
    items = answer["items"]
    assert all(str(v).startswith("visible") for v in items.values()), items
    assert int(str(items["verdict"]).split(":")[1]) < 300
