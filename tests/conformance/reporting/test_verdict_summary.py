"""The verdict rule, branch by branch, and the counts in ``summary.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.records import CheckResult, Level, Outcome
from conformance.reporting.runinfo import RunInfo
from conformance.reporting.summary import write_summary
from conformance.reporting.verdict import requirement_verdict, verdict
from tests.helpers.report_factories import CATALOG, check

MUST, SHOULD, OBSERVE = Level.MUST, Level.SHOULD, Level.OBSERVE


def run(*pairs: tuple[Outcome, Level]) -> list[CheckResult]:
    return [check(f"t::c{i}", outcome, level) for i, (outcome, level) in enumerate(pairs)]


@pytest.mark.parametrize(
    ("results", "strict", "expected"),
    [
        pytest.param(run((Outcome.PASS, MUST)), False, "conformant", id="all-pass"),
        pytest.param(run((Outcome.PASS, MUST), (Outcome.FAIL, MUST)), False, "not-conformant", id="must-fail"),
        pytest.param(
            run((Outcome.PASS, MUST), (Outcome.XFAIL, MUST)), False, "conformant", id="must-listed-failure-is-accepted"
        ),
        pytest.param(run((Outcome.PASS, MUST), (Outcome.FAIL, SHOULD)), False, "conformant", id="should-fail-lenient"),
        pytest.param(run((Outcome.PASS, MUST), (Outcome.FAIL, SHOULD)), True, "not-conformant", id="should-fail-strict"),
        pytest.param(run((Outcome.PASS, MUST), (Outcome.ERROR, MUST)), False, "inconclusive", id="must-error"),
        pytest.param(run((Outcome.FAIL, MUST), (Outcome.ERROR, MUST)), False, "not-conformant", id="failure-outranks-error"),
        pytest.param(run((Outcome.PASS, MUST), (Outcome.ERROR, SHOULD)), False, "conformant", id="should-error-lenient"),
        pytest.param(run((Outcome.PASS, MUST), (Outcome.ERROR, SHOULD)), True, "inconclusive", id="should-error-strict"),
        pytest.param(run((Outcome.XPASS, MUST)), False, "conformant", id="unexpected-pass-is-news"),
        pytest.param(run((Outcome.PASS, MUST), (Outcome.ERROR, OBSERVE)), False, "conformant", id="observe-never-counts"),
        pytest.param(run((Outcome.OBSERVED, OBSERVE)), False, "inconclusive", id="nothing-judged"),
        pytest.param(run((Outcome.SKIP, MUST)), False, "inconclusive", id="all-skipped"),
        pytest.param([], False, "inconclusive", id="empty-run"),
    ],
)
def test_verdict(results: list[CheckResult], strict: bool, expected: str) -> None:
    assert verdict(results, CATALOG, strict) == expected


def test_verdict_takes_the_catalog_level_only_when_the_event_has_none() -> None:
    event = check("t::a", Outcome.FAIL, requirements=("DV-MUST-2",)).to_json()
    del event["level"]
    assert verdict([event], CATALOG, False) == "not-conformant"


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({"pass": 3, "fail": 1, "error": 1}, "fail"),
        ({"pass": 3, "xfail": 1, "error": 1}, "xfail"),
        ({"pass": 3, "error": 1}, "error"),
        ({"pass": 1, "skip": 2}, "pass"),
        ({"xpass": 1}, "pass"),
        ({"observed": 2}, "observed"),
        ({"skip": 2}, "not-covered"),
        ({}, "not-covered"),
    ],
)
def test_requirement_verdict(counts: dict[str, int], expected: str) -> None:
    assert requirement_verdict(counts) == expected


def test_summary_counts_requirements_and_verdict(tmp_path: Path, info: RunInfo, results: list[CheckResult]) -> None:
    results.append(check("t::uncatalogued", Outcome.PASS, requirements=("DV-NEW-1",)))
    summary = write_summary(tmp_path, info, results)
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == summary

    assert summary["schema"] == "ossv-conformance/summary/1"
    assert summary["total"] == 8
    assert summary["counts"] == {"pass": 2, "fail": 1, "error": 1, "skip": 1, "xfail": 1, "xpass": 1, "observed": 1}
    assert summary["by_level"]["SHOULD"]["xfail"] == 1
    assert summary["verdict"] == "not-conformant"
    assert summary["strict"] is False
    assert summary["run"]["target"] == "emulator"
    assert summary["run"]["versions"]["hypothesis"] == "6.155.2"
    assert summary["run"]["expectations"]["sha256"] == "a" * 64

    reqs = {r["id"]: r for r in summary["requirements"]}
    assert [r["id"] for r in summary["requirements"]][:5] == [c.id for c in CATALOG]  # catalog order first
    assert reqs["DV-MUST-1"]["outcomes"]["pass"] == 1
    assert reqs["DV-MUST-1"]["outcomes"]["error"] == 1
    assert reqs["DV-MUST-1"]["outcomes"]["xpass"] == 1
    assert reqs["DV-MUST-1"]["verdict"] == "error"
    assert reqs["DV-MUST-2"]["verdict"] == "fail"
    assert reqs["DV-SHOULD-1"]["verdict"] == "xfail"
    assert reqs["DV-OBS-1"]["verdict"] == "observed"
    assert reqs["DV-MUST-9"]["verdict"] == "not-covered"
    assert reqs["DV-NEW-1"]["in_catalog"] is False
    assert summary["not_covered"] == ["DV-MUST-9"]
    assert summary["uncatalogued"] == ["DV-NEW-1"]
    assert summary["failures"] == ["tests/test_limits.py::test_delete_vectors_501_unique_keys_rejected"]
    assert summary["news"] == ["tests/test_delete.py::test_delete_vectors_empty_list"]
    assert summary["errors"] == ["tests/test_delete.py::test_delete_vectors_network"]
    assert RunInfo.from_json(summary["run"]) == info


def test_summary_strict_comes_from_settings(tmp_path: Path) -> None:
    from tests.helpers.report_factories import make_info

    results = [check("t::a", Outcome.PASS), check("t::b", Outcome.FAIL, Level.SHOULD, ("DV-SHOULD-1",))]
    assert write_summary(tmp_path, make_info(strict=False), results)["verdict"] == "conformant"
    assert write_summary(tmp_path, make_info(strict=True), results)["verdict"] == "not-conformant"


def test_catalog_entries_accept_level_enums_and_requirement_like_objects() -> None:
    from dataclasses import dataclass

    from conformance.reporting.runinfo import CatalogEntry

    @dataclass(frozen=True)
    class RequirementLike:
        id: str
        level: Level
        title: str
        source: str

    entry = CatalogEntry.of(RequirementLike("DV-X", Level.MUST, "t", "s"))
    assert entry == CatalogEntry("DV-X", "MUST", "t", "s")
    assert CatalogEntry("DV-Y", Level.SHOULD, "t").level == "SHOULD"
    assert CatalogEntry.of({"id": "DV-Z", "level": "OBSERVE", "title": "t"}).source == ""
    failing = [check("t::a", Outcome.FAIL, requirements=("DV-X",)).to_json()]
    del failing[0]["level"]
    assert verdict(failing, [RequirementLike("DV-X", Level.MUST, "t", "s")], False) == "not-conformant"
