"""Comparing two results directories: categories, flags, regression rule and CLI exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from conformance import cli
from conformance.records import CheckResult, Level, Outcome
from conformance.reporting.compare import (
    CheckChange,
    compare_main,
    compare_runs,
    regressed,
    render_html,
    render_json,
    render_markdown,
)
from tests.helpers.report_factories import RunWriter, check

OBS = ("DV-OBS-1",)


def _base() -> list[CheckResult]:
    return [
        check("t::still_pass", Outcome.PASS),
        check("t::will_fail", Outcome.PASS, requirements=("DV-MUST-2",)),
        check("t::will_be_fixed", Outcome.FAIL),
        check("t::still_failing", Outcome.FAIL, requirements=("DV-MUST-2",)),
        check("t::will_be_removed", Outcome.PASS),
        check("t::will_error", Outcome.PASS),
        check("t::error_then_fail", Outcome.ERROR),
        check("t::observe", Outcome.OBSERVED, Level.OBSERVE, OBS, observed="HTTP 415"),
        check("t::observe_same", Outcome.OBSERVED, Level.OBSERVE, OBS, observed="HTTP 200"),
    ]


def _new() -> list[CheckResult]:
    return [
        check("t::still_pass", Outcome.PASS, worker="gw1"),  # another worker: same check
        check("t::will_fail", Outcome.FAIL, requirements=("DV-MUST-2",)),
        check("t::will_be_fixed", Outcome.PASS),
        check("t::still_failing", Outcome.FAIL, requirements=("DV-MUST-2",)),
        check("t::brand_new", Outcome.PASS),
        check("t::will_error", Outcome.ERROR),
        check("t::error_then_fail", Outcome.FAIL),
        check("t::observe", Outcome.OBSERVED, Level.OBSERVE, OBS, observed="HTTP 400"),
        check("t::observe_same", Outcome.OBSERVED, Level.OBSERVE, OBS, observed="HTTP 200"),
    ]


def ids(changes: list[CheckChange]) -> list[str]:
    return [c.check_id for c in changes]


def test_compare_categories(make_run: RunWriter) -> None:
    base = make_run("base", _base())
    new = make_run("new", _new())
    diff = compare_runs(base, new)
    assert ids(diff.new_failures) == ["t::error_then_fail", "t::will_fail"]
    assert ids(diff.fixed) == ["t::will_be_fixed"]
    assert ids(diff.still_failing) == ["t::still_failing"]
    assert ids(diff.new_checks) == ["t::brand_new"]
    assert ids(diff.removed_checks) == ["t::will_be_removed"]
    assert ids(diff.could_not_judge) == ["t::will_error"]
    assert ids(diff.observe_drift) == ["t::observe"]
    assert diff.observe_drift[0].base_observed == "HTTP 415" and diff.observe_drift[0].new_observed == "HTTP 400"
    assert not diff.target_changed and not diff.expectations_changed
    assert regressed(diff)
    reqs = {r.id: r.kind for r in diff.requirements}
    assert reqs["DV-MUST-2"] == "still-failing"
    assert reqs["DV-OBS-1"] == "drift"


def test_pass_to_error_is_not_a_regression(make_run: RunWriter) -> None:
    base = make_run("base", [check("t::a", Outcome.PASS)])
    new = make_run("new", [check("t::a", Outcome.ERROR)])
    diff = compare_runs(base, new)
    assert not regressed(diff)
    assert ids(diff.could_not_judge) == ["t::a"]
    assert "Could not judge" in render_markdown(diff)


def test_should_failure_regresses_only_when_strict(make_run: RunWriter) -> None:
    should = ("DV-SHOULD-1",)
    base_results = [check("t::a", Outcome.PASS, Level.SHOULD, should)]
    new_results = [check("t::a", Outcome.FAIL, Level.SHOULD, should)]
    lenient = compare_runs(make_run("b1", base_results), make_run("n1", new_results))
    strict = compare_runs(make_run("b2", base_results, strict=True), make_run("n2", new_results, strict=True))
    assert ids(lenient.new_failures) == ["t::a"] and not regressed(lenient)
    assert regressed(strict)


def test_expected_failure_is_listed_but_not_a_regression(make_run: RunWriter) -> None:
    diff = compare_runs(make_run("b", [check("t::a", Outcome.PASS)]), make_run("n", [check("t::a", Outcome.XFAIL)], sha="b" * 64))
    assert ids(diff.new_failures) == ["t::a"]
    assert not regressed(diff)
    assert diff.expectations_changed


def test_new_failing_check_is_a_regression(make_run: RunWriter) -> None:
    diff = compare_runs(
        make_run("b", [check("t::a", Outcome.PASS)]), make_run("n", [check("t::a", Outcome.PASS), check("t::b", Outcome.FAIL)])
    )
    assert ids(diff.new_checks) == ["t::b"]
    assert regressed(diff)


def test_markdown_says_when_expectations_or_target_changed(make_run: RunWriter) -> None:
    base = make_run("base", _base(), target="emulator", sha="a" * 64)
    new = make_run("new", _new(), target="cn-hangzhou", sha="b" * 64)
    diff = compare_runs(base, new)
    assert diff.target_changed and diff.expectations_changed
    md = render_markdown(diff)
    assert "**REGRESSED**" in md
    assert "The target differs" in md and "`emulator`" in md and "`cn-hangzhou`" in md
    assert "The expectations file changed" in md
    assert md.index("New failures (2)") < md.index("Still failing (1)")
    data = json.loads(render_json(diff))
    assert data["regressed"] is True and data["expectations_changed"] is True and data["target_changed"] is True
    assert [c["check_id"] for c in data["fixed"]] == ["t::will_be_fixed"]


def test_markdown_escapes_table_cells(make_run: RunWriter) -> None:
    base = make_run("b", [check("t::a", Outcome.PASS)])
    new = make_run("n", [check("t::a", Outcome.FAIL, message="a|b\nc <script>")])
    md = render_markdown(compare_runs(base, new))
    assert "a\\|b c &lt;script&gt;" in md
    assert "<script>" not in md


def test_compare_main_exit_codes(make_run: RunWriter, tmp_path: Path) -> None:
    base = make_run("base", _base())
    new = make_run("new", _new())
    same = make_run("same", _base())

    out, err = io.StringIO(), io.StringIO()
    assert compare_main([str(base), str(same)], stdout=out, stderr=err) == 0
    assert "**No regression.**" in out.getvalue()
    assert err.getvalue() == f"ossv-conformance compare: wrote {same / 'compare.html'} and compare.md\n"

    out = io.StringIO()
    assert compare_main([str(base), str(new)], stdout=out, stderr=err) == 1
    assert out.getvalue().startswith("## Conformance diff")

    out = io.StringIO()
    assert compare_main([str(base), str(new), "--format", "json"], stdout=out, stderr=err) == 1
    assert json.loads(out.getvalue())["regressed"] is True


@pytest.mark.parametrize("which", ["missing", "empty", "file"])
def test_compare_main_unusable_directory_is_one_line_exit_2(make_run: RunWriter, tmp_path: Path, which: str) -> None:
    good = make_run("good", _base())
    bad = tmp_path / which
    if which == "empty":
        bad.mkdir()
    elif which == "file":
        bad.write_text("x")
    for argv in ([str(bad), str(good)], [str(good), str(bad)]):
        out, err = io.StringIO(), io.StringIO()
        assert compare_main(argv, stdout=out, stderr=err) == 2
        assert out.getvalue() == ""
        lines = err.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ossv-conformance compare: error:")
        assert str(bad) in lines[0] and "Traceback" not in err.getvalue()


def test_compare_main_corrupt_results_is_one_line_exit_2(make_run: RunWriter) -> None:
    good = make_run("good", _base())
    bad = make_run("bad", _base())
    (bad / "results.ndjson").write_text("not json\n{}\n")
    err = io.StringIO()
    assert compare_main([str(good), str(bad)], stdout=io.StringIO(), stderr=err) == 2
    assert len(err.getvalue().splitlines()) == 1


def test_compare_works_on_a_run_that_died_before_the_merge(make_run: RunWriter) -> None:
    base = make_run("base", _base())
    new = make_run("new", _new())
    (new / "results.ndjson").unlink()
    (new / "summary.json").unlink()
    diff = compare_runs(base, new)
    assert ids(diff.new_failures) == ["t::error_then_fail", "t::will_fail"]
    assert diff.new_target is None and diff.target_changed


def test_compare_writes_html_beside_its_output_in_the_new_run(make_run: RunWriter) -> None:
    base, new = make_run("base", _base()), make_run("new", _new())
    out = io.StringIO()
    assert compare_main([str(base), str(new)], stdout=out, stderr=io.StringIO()) == 1
    assert (new / "compare.md").read_text(encoding="utf-8") == out.getvalue()
    page = (new / "compare.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page.lower() and "Content-Security-Policy" in page
    answer = page.index("REGRESSED: 2 binding check(s) newly fail")
    assert answer < page.index("New failures (2)") < page.index("t::error_then_fail") < page.index("Still failing (1)")
    assert "t::will_fail" in page and 'href="#new-failures"' in page and 'id="new-failures"' in page


def test_compare_json_and_out_dir(make_run: RunWriter, tmp_path: Path) -> None:
    base, new = make_run("base", _base()), make_run("new", _base())
    out_dir = tmp_path / "elsewhere"
    out = io.StringIO()
    assert compare_main([str(base), str(new), "--format", "json", "--out", str(out_dir)], stdout=out, stderr=io.StringIO()) == 0
    assert json.loads((out_dir / "compare.json").read_text(encoding="utf-8")) == json.loads(out.getvalue())
    assert "No regression" in (out_dir / "compare.html").read_text(encoding="utf-8")
    assert not (new / "compare.html").exists()


def test_cli_compare_passes_out(make_run: RunWriter, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, new = make_run("base", _base()), make_run("new", _new())
    assert cli.main(["compare", str(base), str(new), "--out", str(tmp_path / "o")]) == 1
    assert (tmp_path / "o" / "compare.html").is_file() and capsys.readouterr().out.startswith("## Conformance diff")


def test_compare_html_escapes_and_flags_changes(make_run: RunWriter) -> None:
    base = make_run("b", [check("t::a", Outcome.PASS), check("t::o", Outcome.OBSERVED, Level.OBSERVE, OBS, observed="415")])
    new = make_run(
        "n",
        [
            check("t::a", Outcome.FAIL, message="a <script>alert(1)</script>"),
            check("t::o", Outcome.OBSERVED, Level.OBSERVE, OBS, observed="<b>400</b>"),
        ],
        target="other<target>",
        sha="c" * 64,
    )
    page = render_html(compare_runs(base, new))
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;400&lt;/b&gt;" in page and "other&lt;target&gt;" in page
    assert "The target differs" in page and "The expectations file changed" in page
    assert "Behaviour drift" in page


def test_unwritable_out_dir_is_a_warning_not_a_verdict(make_run: RunWriter, tmp_path: Path) -> None:
    base, new = make_run("base", _base()), make_run("new", _base())
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    err = io.StringIO()
    assert compare_main([str(base), str(new), "--out", str(blocker / "sub")], stdout=io.StringIO(), stderr=err) == 0
    assert err.getvalue().startswith("ossv-conformance compare: warning: could not write compare.html")
