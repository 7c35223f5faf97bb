"""Each side reads only its own settings: its file, and its environment prefix (never the plain OSSV_* of the
shell unless it asks for them); an error names the variable the user really set."""

from __future__ import annotations

import pytest

from conformance.differential.sides import SideError, SideSpec, prefixed

ENV = {
    "OSSVB_ENDPOINT": "http://127.0.0.1:9000",
    "OSSVB_ACCOUNT_ID": "1234567890123456",
    "OSSVB_ACCESS_KEY_ID": "LTAIb",
    "OSSVB_ACCESS_KEY_SECRET": "b-secret",
    "OSSV_ENDPOINT": "http://127.0.0.1:8000",
    "OSSV_ACCOUNT_ID": "6543210987654321",
    "OSS_ACCESS_KEY_ID": "LTAIplain",
    "OSS_ACCESS_KEY_SECRET": "plain-secret",
}


def test_a_prefix_replaces_ossv_and_oss() -> None:
    assert prefixed("OSSV_ENDPOINT", "OSSVB_") == "OSSVB_ENDPOINT"
    assert prefixed("OSS_ACCESS_KEY_SECRET", "OSSVB_") == "OSSVB_ACCESS_KEY_SECRET"
    assert prefixed("OSS_ACCESS_KEY_SECRET", "OSSV_") == "OSS_ACCESS_KEY_SECRET"  # OSSV_: the ordinary names


def test_a_side_reads_its_own_prefix_only() -> None:
    b = SideSpec("b", env_prefix="OSSVB_").load(ENV)
    assert (b.endpoint, b.account_id, b.access_key_id) == ("http://127.0.0.1:9000", "1234567890123456", "LTAIb")
    assert b.primary is not None and b.primary.access_key_secret.reveal() == "b-secret"
    assert SideSpec("a").load(ENV).uses_emulator  # no flag: the bundled emulator, whatever the shell says
    assert SideSpec("a", env_prefix="OSSV_").load(ENV).endpoint == "http://127.0.0.1:8000"


def test_a_settings_error_names_the_prefixed_variable_and_the_side() -> None:
    with pytest.raises(SideError) as raised:
        SideSpec("b", env_prefix="OSSVB_").load({**ENV, "OSSVB_MAX_RPS": "fast", "OSSVB_ACCESS_KEY_ID": ""})
    message = str(raised.value)
    assert message.startswith("side b: OSSVB_") and "OSS_ACCESS_KEY" not in message and "OSSV_MAX_RPS" not in message
    assert "b-secret" not in message


def test_a_side_names_its_sources_again_for_replay_commands() -> None:
    assert SideSpec("a", "a.toml", "OSSVA_").flags() == ["--a-config", "a.toml", "--a-env-prefix", "OSSVA_"]
    assert SideSpec("b").flags() == []
