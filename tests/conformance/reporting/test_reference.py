"""Reference profiles without a server: what is normalised or left out, what counts as a difference (only an
answer the reference never saw for a family it saw), the file's stable form, one-line errors for a bad file,
the shipped profile as package data, and how the terminal and report.html show a difference."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from conformance.reporting.html import render_html, render_reference_section
from conformance.reporting.reference import (
    ANY_TEST,
    FORMAT,
    Reference,
    ReferenceError,
    build_reference,
    bundled_path,
    check_reference,
    differs,
    dumps_reference,
    load_reference,
    normalise,
    observed,
    render_reference_text,
    write_reference,
)
from tests.helpers.paths import REPO
from tests.helpers.report_factories import HOSTILE

TEST = "test_delete_limits.py::test_delete_vectors_duplicate_keys_delete_the_unique_set"
META = {"suite_version": "0.1.0", "profile": "quick", "seed": 3, "driver": "raw", "target": "emulator"}


def obs(requirement: str, by_family: dict[str, list[str]], test: str = TEST) -> dict[str, Any]:
    return {
        "test_id": f"{test}[{requirement}]",
        "requirements": [requirement],
        "level": "OBSERVE",
        "outcome": "observed",
        "observed": "; ".join(sorted({a for answers in by_family.values() for a in answers})),
        "by_family": by_family,
    }


RUN = [
    obs("DV-OBS-DUPLICATES", {"keys:duplicates": ["204"], "keys:duplicates + keys:over-500-entries": ["204"]}),
    obs("DV-OBS-READ-LAG", {"(unlabelled)": ["converged after 0.4 s"]}),
    obs("DV-OBS-ERROR-FORMAT", {"400 MalformedJson": ['JSON {"Error": {...}}']}, test="test_a.py::test_one"),
    obs("DV-OBS-ERROR-FORMAT", {"400 MalformedJson": ['JSON {"Error": {...}}']}, test="test_b.py::test_two"),
    {"test_id": f"{TEST}[DV-NO-COLLATERAL]", "requirements": ["DV-NO-COLLATERAL"], "outcome": "pass"},
]


def reference_of(events: list[dict[str, Any]]) -> Reference:
    data = json.loads(dumps_reference(build_reference(events, META)))
    return Reference("test", data["answers"], {k: v for k, v in data.items() if k != "answers"})


def test_what_varies_between_runs_is_normalised() -> None:
    assert normalise("index ossvc1a2b3c4dgw0xt17 in ossvc-1a2b3c4d-gw0-p") == "index <run-name> in <run-name>"
    assert normalise("RequestId 5C3D9A0F1E2B3C4D5E6F7A8B") == "RequestId <request-id>"
    dates = "at 2026-12-03T19:20:47Z or 20261203T192047Z or Thu, 03 Dec 2026 19:20:47 GMT"
    assert normalise(dates) == "at <date> or <date> or <date>"
    assert normalise("204 with a 17-byte body") == "204 with a N-byte body"
    assert normalise("PutVectors refused to store 3 key(s)") == "PutVectors refused to store N key(s)"
    assert normalise("converged after 1.2 s") == "converged after N s"
    assert normalise("403 SignatureDoesNotMatch") == "403 SignatureDoesNotMatch"  # an answer stays what it is
    assert normalise("24 uppercase hex characters") == "24 uppercase hex characters"


def test_answers_are_keyed_by_requirement_test_and_family_read_lag_left_out_surface_across_tests() -> None:
    keys = observed(RUN)
    assert keys == {
        ("DV-OBS-DUPLICATES", TEST, "keys:duplicates"): {"204"},
        ("DV-OBS-DUPLICATES", TEST, "keys:duplicates + keys:over-500-entries"): {"204"},
        ("DV-OBS-ERROR-FORMAT", ANY_TEST, "400 MalformedJson"): {'JSON {"Error": {...}}'},
    }


def test_the_file_is_stable_one_family_a_line_with_format_version_suite_version_and_profile() -> None:
    data = build_reference(list(reversed(RUN)), META)
    text = dumps_reference(data)
    assert text == dumps_reference(build_reference(RUN, META))  # the order of the events does not matter
    parsed = json.loads(text)
    assert parsed["format"] == FORMAT and parsed["suite_version"] == "0.1.0" and parsed["profile"] == "quick"
    assert "DV-OBS-READ-LAG" in parsed["excluded"] and "DV-OBS-READ-LAG" not in parsed["answers"]
    assert '        "keys:duplicates": ["204"],\n' in text


def test_only_an_answer_the_reference_never_saw_for_a_family_it_saw_differs() -> None:
    reference = reference_of(RUN)
    same = check_reference(reference, RUN)
    assert same["differs"] == [] and same["not_in_reference"] == [] and same["matched"] == 3
    assert not differs(same)
    fewer = check_reference(reference, RUN[:1])  # a smaller run draws fewer families: no difference
    assert fewer["differs"] == [] and fewer["matched"] == 2
    other = [
        obs("DV-OBS-DUPLICATES", {"keys:duplicates": ["204", "400 VectorIndexParameterInvalid"], "keys:none + x": ["204"]}),
        obs("DV-OBS-ERROR-FORMAT", {"400 MalformedJson": ["OSS XML"]}, test="test_c.py::test_three"),
    ]
    section = check_reference(reference, other)
    assert differs(section)
    assert [(d["requirement"], d["test"], d["family"], d["answers"], d["reference"]) for d in section["differs"]] == [
        ("DV-OBS-DUPLICATES", TEST, "keys:duplicates", ["400 VectorIndexParameterInvalid"], ["204"]),
        ("DV-OBS-ERROR-FORMAT", ANY_TEST, "400 MalformedJson", ["OSS XML"], ['JSON {"Error": {...}}']),
    ]
    assert section["differs"][0]["rerun"] == "ossv-conformance run -k 'test_delete_vectors_duplicate_keys_delete_the_unique_set'"
    assert [(m["family"], m["answers"]) for m in section["not_in_reference"]] == [("keys:none + x", ["204"])]


def test_a_bad_reference_is_one_line(tmp_path: Path) -> None:
    cases = {
        "missing.json": None,
        "broken.json": "{not json",
        "list.json": "[]",
        "version.json": json.dumps({"format": "ossv-conformance/reference/0", "answers": {}}),
        "shape.json": json.dumps({"format": FORMAT, "answers": {"DV-OBS-X": {"t": {"f": "204"}}}}),
    }
    for name, text in cases.items():
        if text is not None:
            (tmp_path / name).write_text(text)
        with pytest.raises(ReferenceError) as raised:
            load_reference(str(tmp_path / name))
        message = str(raised.value)
        assert "\n" not in message and message.startswith(f"--reference {tmp_path / name}: "), message
    assert "file not found" in _message(tmp_path / "missing.json")
    assert "not JSON" in _message(tmp_path / "broken.json")
    assert "not a reference profile" in _message(tmp_path / "version.json")
    assert "malformed answers at DV-OBS-X / t / f" in _message(tmp_path / "shape.json")


def _message(path: Path) -> str:
    try:
        load_reference(str(path))
    except ReferenceError as err:
        return str(err)
    raise AssertionError("loaded")


def test_written_and_loaded_back_through_the_redaction(tmp_path: Path) -> None:
    events = [obs("DV-OBS-AUTH-CODE", {"auth:wrong_secret": ["403 SignatureDoesNotMatch hunter2"]})]
    path = tmp_path / "ref.json"
    write_reference(path, build_reference(events, META), lambda text: text.replace("hunter2", "<redacted>"))
    assert "hunter2" not in path.read_text()
    loaded = load_reference(str(path))
    assert loaded.lookup(("DV-OBS-AUTH-CODE", TEST, "auth:wrong_secret")) == ("403 SignatureDoesNotMatch <redacted>",)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(ReferenceError, match="cannot write"):
        write_reference(tmp_path / "a-file" / "ref.json", {}, str)


def test_the_bundled_reference_is_package_data_and_loads() -> None:
    path = bundled_path("emulator")
    assert path == REPO / "conformance" / "references" / "emulator.json"
    reference = load_reference("emulator")
    assert reference.meta["profile"] and reference.meta["suite_version"] and reference.size() > 50
    assert {"DV-OBS-DUPLICATES", "DV-OBS-AUTH-CODE", "DV-OBS-ERROR-FORMAT"} <= set(reference.answers)
    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["conformance"]
    assert any(path.relative_to(REPO / "conformance").match(pattern) for pattern in data), data


def test_terminal_and_report_show_each_difference_escaped() -> None:
    reference = reference_of(RUN)
    hostile = [obs("DV-OBS-DUPLICATES", {"keys:duplicates": [f"400 {HOSTILE}"]})]
    section = check_reference(reference, hostile)
    text = render_reference_text(section)
    assert text.splitlines()[0].startswith("Reference test: 1 differ from reference, 0 as in reference, 0 not in reference")
    assert "differs from reference: DV-OBS-DUPLICATES" in text and "(reference: 204)" in text
    html = render_reference_section(section)
    assert "Differs from reference (1)" in html and HOSTILE not in html and "&lt;script&gt;" in html
    assert render_reference_section(None) == ""
    page = render_html({"verdict": "conformant", "run": {}, "reference": section}, hostile)
    assert page.count('id="reference"') == 1
