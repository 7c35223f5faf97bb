"""``emulator.testing``: a fresh emulator per use, random credentials, a ready SDK configuration, SDK optional."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from emulator.testing import Credentials, Stopper, run_emulator, start_emulator


def _status(url: str) -> int:
    """An unsigned GET: the emulator answers (403 AccessDenied), whatever the SDK."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_context_manager_starts_on_a_free_local_port_and_stops() -> None:
    with run_emulator() as emu:
        assert emu.endpoint.startswith("http://127.0.0.1:")
        port = emu.server.port
        assert port > 0 and emu.endpoint == f"http://127.0.0.1:{port}"
        assert _status(emu.endpoint + "/") == 403
    assert not _listening(port)
    # its own thread is gone (other tests of this process may run emulators of their own meanwhile)
    assert not [t for t in threading.enumerate() if t.name == f"ossv-emulator-{port}"]


def test_credentials_are_random_per_use() -> None:
    with run_emulator() as first, run_emulator() as second:
        assert first.endpoint != second.endpoint
        a, b = first.credentials, second.credentials
        assert a.access_key_id != b.access_key_id and a.access_key_secret != b.access_key_secret
        assert a.account_id != b.account_id and len(a.account_id) == 16 and a.account_id.isdigit()
        assert first.sts_credentials.account_id == first.account_id and first.sts_credentials.security_token
        assert first.other_credentials.account_id != first.account_id


def test_secrets_stay_out_of_reprs() -> None:
    with run_emulator() as emu:
        for creds in (emu.credentials, emu.sts_credentials):
            assert creds.access_key_secret not in repr(creds)
            assert creds.security_token is None or creds.security_token not in repr(creds)
        assert emu.credentials.access_key_secret not in repr(emu)


def test_sdk_config_is_ready_for_a_local_endpoint() -> None:
    pytest.importorskip("alibabacloud_oss_v2.vectors")
    import alibabacloud_oss_v2.vectors as oss_vectors

    with run_emulator(region="cn-beijing") as emu:
        cfg = emu.sdk_config()
        assert cfg.region == "cn-beijing" and cfg.account_id == emu.account_id and cfg.endpoint == emu.endpoint
        assert cfg.proxy_host == {"http": emu.endpoint}
        creds = cfg.credentials_provider.get_credentials()
        assert creds.access_key_id == emu.credentials.access_key_id
        assert creds.access_key_secret == emu.credentials.access_key_secret
        client = oss_vectors.Client(cfg)
        client.put_vector_bucket(oss_vectors.models.PutVectorBucketRequest(bucket="bucket-one"))
        # the STS identity of the same account works too; another account's key is refused
        sts = emu.vectors_client(emu.sts_credentials)
        names = [str(b.name) for b in sts.list_vector_buckets(oss_vectors.models.ListVectorBucketsRequest()).buckets]
        assert any(n.endswith(":bucket-one") for n in names), names
        with pytest.raises(Exception, match="AccessDenied"):
            emu.vectors_client(emu.other_credentials).put_vector_index(
                oss_vectors.models.PutVectorIndexRequest(
                    bucket="bucket-one", index_name="i", data_type="float32", dimension=2, distance_metric="cosine"
                )
            )


def test_faults_options_and_region_reach_the_server() -> None:
    with run_emulator(faults=["missing_index_204"], options={"max_delete_keys": 7}, qps_limit=1000) as emu:
        assert emu.server.faults == frozenset({"missing_index_204"})
        assert emu.server.config.options == {"max_delete_keys": 7} and emu.server.config.qps_limit == 1000
        emu.set_faults(())
        assert emu.server.faults == frozenset()
    with pytest.raises(ValueError):
        start_emulator(faults=["no_such_fault"])


def test_the_emulator_runs_without_the_sdk() -> None:
    """The SDK import is lazy: with ``alibabacloud_oss_v2`` unimportable the emulator still serves."""
    code = (
        "import json, sys, urllib.request, urllib.error\n"
        "sys.modules['alibabacloud_oss_v2'] = None\n"  # any import of it now raises ImportError
        "from emulator.testing import run_emulator\n"
        "with run_emulator() as emu:\n"
        "    try:\n"
        "        urllib.request.urlopen(emu.endpoint + '/', timeout=5)\n"
        "    except urllib.error.HTTPError as err:\n"
        "        status = err.code\n"
        "    try:\n"
        "        emu.sdk_config()\n"
        "        sdk = 'imported'\n"
        "    except ImportError:\n"
        "        sdk = 'ImportError'\n"
        "print(json.dumps([status, sdk]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [403, "ImportError"]


def test_stopper_stops_in_the_background_and_joins() -> None:
    stopper = Stopper()
    emus = [start_emulator() for _ in range(3)]
    ports = [e.server.port for e in emus]
    started = time.monotonic()
    for emu in emus:
        stopper.stop(emu)
    handed_over = time.monotonic() - started
    stopper.join()
    assert handed_over < 0.15  # the caller did not wait for uvicorn's shutdown
    assert not any(_listening(p) for p in ports)


def test_credentials_make_an_emulator_identity() -> None:
    creds = Credentials("AK", "SK", "1234567890123456", "TOKEN")
    ident = creds.identity()
    assert (ident.access_key_id, ident.access_key_secret) == ("AK", "SK")
    assert (ident.account_id, ident.security_token) == (creds.account_id, "TOKEN")
