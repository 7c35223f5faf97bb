"""``ossv-conformance diff`` end to end: two emulators alike differ nowhere; one undocumented option changed is
found as exactly the kinds it causes, each with a minimal example and a replay command that reproduces it; lagging
reads alone are no difference; a side that cannot be used is one line and exit 2, without a secret."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conformance.client import RawClient
from conformance.config import load_settings
from conformance.differential.cases import DiffCase
from conformance.ops import VectorOps
from strategies.bodies import NON_OBJECT_JSON_FAMILIES
from tests.helpers.diff_runs import DIFF, command, diff, emulator, prefixed, side_env


def test_the_emulator_against_itself_differs_nowhere_over_2000_requests(tmp_path: Path) -> None:
    with emulator() as a, emulator() as b:
        run = diff(tmp_path, side_env(a.url), side_env(b.url), "--examples", "1000", "--seed", "11")
    assert run.exit_code == 0, run.explain()
    assert run.data["kinds"] == [] and "no difference" in run.stdout
    print(f"{run.data['requests_under_test']} requests under test, {run.data['requests_total']} in all")
    assert run.data["cases_compared"] == 1000 and run.data["requests_under_test"] >= 2000
    assert run.data["cases_not_sent"] == 0


EXAMPLES = "120"
# option, value, the kinds it must cause (every kind reported contains this), and what its minimal example must be
OPTIONS = {
    "duplicate_keys=reject": ("DV-OBS-DUPLICATES: answer 204 vs 400 VectorIndexParameterInvalid", "DV-OBS-DUPLICATES"),
    "missing_index_name_code=NoSuchVectorIndex": (
        "DV-OBS-INDEXNAME: answer 400 VectorIndexParameterInvalid vs 404 NoSuchVectorIndex",
        "VectorIndexParameterInvalid vs 404 NoSuchVectorIndex",
    ),
    "non_object_body_code=VectorIndexParameterInvalid": (
        "DV-KEYS-REQUIRED: answer 400 MalformedJson vs 400 VectorIndexParameterInvalid",
        "MalformedJson vs 400 VectorIndexParameterInvalid",
    ),
    "error_format=xml": ('error shape: JSON {"Error": {...}} vs OSS XML', "vs OSS XML"),
}


def _minimal(option: str, case: DiffCase) -> bool:
    if option == "duplicate_keys=reject":  # two equal keys, nothing else
        return case.keys == ("a", "a") and case.stored == () and case.body == b'{"indexName":"ossvcdiffindex","keys":["a","a"]}'
    if option == "missing_index_name_code=NoSuchVectorIndex":  # no usable indexName, and not even a key
        return case.stored == () and b"ossvcdiffindex" not in case.body and len(case.body) <= 30
    if option == "non_object_body_code=VectorIndexParameterInvalid":  # a bare JSON scalar or array
        return case.family in NON_OBJECT_JSON_FAMILIES and len(case.body.strip()) <= 4
    return case.stored == () and case.body == b""  # any error will do: the simplest is no body at all


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_one_undocumented_option_changed_is_found_as_exactly_its_difference(option: str, tmp_path: Path) -> None:
    name, value = option.split("=")
    expected, every = OPTIONS[option]
    with emulator() as a, emulator({name: value}) as b, emulator() as c:
        sides = side_env(a.url), side_env(b.url)
        run = diff(tmp_path, *sides, "--examples", EXAMPLES, "--seed", "7", "--shrink-budget", "15")
        assert run.exit_code == 1, run.explain()
        assert expected in run.kinds, run.explain()
        assert all(every in kind for kind in run.kinds), run.explain()  # nothing the option does not cause
        record = run.kinds[expected]
        case = DiffCase.from_json(record["case"])
        assert record["minimal"] and _minimal(option, case), run.explain()
        assert record["id"] in run.stdout and record["replay"] in run.stdout
        written = (tmp_path / "report" / "diff.json").read_text(encoding="utf-8") + run.stdout + run.stderr
        assert not [s for s in DIFF.secrets if s in written]  # exchanges and settings are recorded redacted
        replayed = command(tmp_path, *sides, shlex.split(record["replay"]))
        assert replayed.exit_code == 1, replayed.explain()
        assert f"reproduced: {expected}" in replayed.stdout, replayed.explain()
        if option == "duplicate_keys=reject":  # the same replay against an endpoint that now agrees: exit 0
            fixed = command(tmp_path, sides[0], side_env(c.url), shlex.split(record["replay"]))
            assert fixed.exit_code == 0, fixed.explain()
            assert "none of 1 recorded kind(s) reproduced" in fixed.stdout, fixed.explain()


def test_lagging_reads_alone_are_no_difference(tmp_path: Path) -> None:
    lag = {"list_delete_lag_s": 0.3, "get_delete_lag_s": 0.3, "put_visibility_lag_s": 0.3, "lag_jitter": True}
    with emulator() as a, emulator(lag) as b:
        run = diff(tmp_path, side_env(a.url), side_env(b.url, OSSV_READ_LAG="3"), "--examples", "25", "--seed", "5")
    assert run.exit_code == 0, run.explain()
    assert run.data["cases_compared"] == 25


@pytest.mark.parametrize(
    ("b", "says"),
    [
        ({"OSSV_ENDPOINT": "http://127.0.0.1:9"}, "side b: cannot reach http://127.0.0.1:9"),
        ({"OSS_ACCESS_KEY_ID": "", "OSS_ACCESS_KEY_SECRET": ""}, "side b: OSSVB_ACCESS_KEY_ID (not set): required when an"),
        ({"OSSV_MAX_RPS": "fast"}, "side b: OSSVB_MAX_RPS (environment): expected a number > 0, got 'fast'"),
        ({"OSS_ACCESS_KEY_SECRET": "not-the-secret"}, "side b: the endpoint refused the configured credentials: 403"),
    ],
)
def test_a_side_that_cannot_be_used_is_one_line_and_exit_2(b: dict[str, str], says: str, tmp_path: Path) -> None:
    with emulator() as a:
        run = diff(tmp_path, side_env(a.url), side_env(a.url, **b), "--examples", "5")
    assert run.exit_code == 2, run.explain()
    assert run.stderr.strip().splitlines() == [run.stderr.strip()] and says in run.stderr, run.explain()
    for secret in (*DIFF.secrets, "not-the-secret"):
        assert secret not in run.stdout + run.stderr


def test_a_malformed_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "b.toml"
    config.write_text('endpoint = "http://127.0.0.1:9"\naccess_key_secret = "s3cr3t-in-file\n', encoding="utf-8")
    run = diff(tmp_path, {}, {}, "--examples", "5", flags=("--b-config", str(config)))
    assert run.exit_code == 2, run.explain()
    assert run.stderr.count("\n") == 1 and "side b: config_file" in run.stderr and "TOML parse error" in run.stderr
    assert "s3cr3t" not in run.stdout + run.stderr


def test_an_interrupted_diff_removes_everything_it_created(tmp_path: Path) -> None:
    with emulator() as a, emulator() as b:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OSSV", "OSS_"))}
        env.update(prefixed(side_env(a.url), "OSSVA_"), **prefixed(side_env(b.url), "OSSVB_"))
        cmd = [sys.executable, "-m", "conformance.cli", "diff", "--a-env-prefix", "OSSVA_", "--b-env-prefix", "OSSVB_"]
        args = ["--examples", "5000", "--report-dir", str(tmp_path / "r")]
        proc = subprocess.Popen([*cmd, *args], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        ops = [VectorOps(RawClient(load_settings({}, side_env(s.url)))) for s in (a, b)]
        deadline = time.monotonic() + 30
        while not all(o.list_vector_buckets("ossvc").items for o in ops) and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)
        assert all(o.list_vector_buckets("ossvc").items for o in ops), "the diff never created its buckets"
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 2, output
        assert [o.list_vector_buckets("ossvc").items for o in ops] == [[], []]
        assert (tmp_path / "r" / "ledger" / "a.json").is_file()
