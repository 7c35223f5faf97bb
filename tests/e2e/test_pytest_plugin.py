"""The ``ossv_emulator`` pytest plugin: registered by entry point, inert unless requested, isolated per test."""

from __future__ import annotations

import json
import textwrap
import tomllib
from pathlib import Path

import pytest

from tests.helpers.paths import PYPROJECT
from tests.helpers.pytest_runs import PLUGIN, explain, plugin_installed, run_pytest


def test_entry_point_is_declared() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["pytest11"]["ossv_emulator"] == PLUGIN


def test_entry_point_is_installed() -> None:
    if not plugin_installed():
        pytest.skip("the installed metadata predates the entry point: reinstall the project (pip install -e .)")
    assert plugin_installed()


def _write(directory: Path, source: str) -> Path:
    path = directory / "test_user_suite.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_plugin_is_inert_unless_the_fixture_is_requested(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        import sys, threading

        def test_nothing_started_nothing_imported():
            assert "emulator.server" not in sys.modules and "emulator.testing" not in sys.modules
            assert not [t for t in threading.enumerate() if t.name.startswith("ossv-emulator")]
        """,
    )
    proc = run_pytest(tmp_path)
    assert proc.returncode == 0, explain(proc)
    assert "1 passed" in proc.stdout


def test_every_test_gets_a_fresh_emulator(tmp_path: Path) -> None:
    """Same bucket name in each test, an STS identity, and no port, key or data shared."""
    _write(
        tmp_path,
        """
        import json, pathlib, urllib.request, urllib.error
        import pytest

        SEEN = pathlib.Path("seen.jsonl")

        def _note(emu):
            with SEEN.open("a") as fh:
                fh.write(json.dumps([emu.endpoint, emu.credentials.access_key_id, emu.account_id]) + "\\n")

        @pytest.mark.parametrize("round", range(3))
        def test_create_the_same_bucket(ossv_emulator, round):
            import alibabacloud_oss_v2.vectors as ov
            _note(ossv_emulator)
            client = ossv_emulator.vectors_client()
            assert client.list_vector_buckets(ov.models.ListVectorBucketsRequest()).buckets in (None, [])
            client.put_vector_bucket(ov.models.PutVectorBucketRequest(bucket="same"))

        def test_raw_http_works_too(ossv_emulator):
            _note(ossv_emulator)
            try:
                urllib.request.urlopen(ossv_emulator.endpoint + "/", timeout=5)
            except urllib.error.HTTPError as err:
                assert err.code == 403
        """,
    )
    pytest.importorskip("alibabacloud_oss_v2.vectors")
    proc = run_pytest(tmp_path)
    assert proc.returncode == 0, explain(proc)
    assert "4 passed" in proc.stdout
    seen = [json.loads(line) for line in (tmp_path / "seen.jsonl").read_text().splitlines()]
    for column in range(3):
        values = [row[column] for row in seen]
        assert len(set(values)) == len(values) == 4, seen


def test_marker_configures_one_test(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
        import pytest

        pytestmark = pytest.mark.ossv_emulator(region="cn-shanghai", options={"max_delete_keys": 9})

        @pytest.mark.ossv_emulator(faults=["absent_key_404"], qps_limit=99)
        def test_marked(ossv_emulator):
            server = ossv_emulator.server
            assert server.faults == {"absent_key_404"} and server.config.qps_limit == 99
            assert ossv_emulator.region == "cn-shanghai" and server.config.options == {"max_delete_keys": 9}

        def test_module_marker_only(ossv_emulator):
            assert ossv_emulator.server.faults == set() and ossv_emulator.region == "cn-shanghai"

        @pytest.mark.ossv_emulator(colour="red")
        def test_unknown_keyword(ossv_emulator):
            pass
        """,
    )
    proc = run_pytest(tmp_path, "-W", "error::pytest.PytestUnknownMarkWarning")
    assert "2 passed" in proc.stdout and "1 error" in proc.stdout, explain(proc)
    assert "unknown keyword 'colour'" in proc.stdout, explain(proc)


def test_marker_is_registered(tmp_path: Path) -> None:
    proc = run_pytest(tmp_path, "--markers")
    assert "@pytest.mark.ossv_emulator(" in proc.stdout, explain(proc)


def test_fixture_is_listed(tmp_path: Path) -> None:
    _write(tmp_path, "def test_x():\n    pass\n")
    proc = run_pytest(tmp_path, "--fixtures")
    assert "ossv_emulator" in proc.stdout and "fresh OSS Vectors emulator" in proc.stdout, explain(proc)
