"""Settings: one table, one precedence order, one-line errors, and only a redacted printable form."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.config import SETTINGS, ConfigError, Settings, load_settings, settings_table_markdown
from conformance.signing import Credentials

SECRET = "TopSecretValue123"
TOKEN = "CAIS+StsTokenValue/xyz=="
STS_SECRET = "StsSecretValue456"
OTHER_SECRET = "OtherSecretValue789"

FULL_ENV = {
    "OSSV_ENDPOINT": "https://cn-hangzhou.oss-vectors.aliyuncs.com",
    "OSSV_ACCOUNT_ID": "1234567890123456",
    "OSS_ACCESS_KEY_ID": "LTAI5tPrimaryKeyId",
    "OSS_ACCESS_KEY_SECRET": SECRET,
    "OSS_SESSION_TOKEN": TOKEN,
    "OSSV_STS_ACCESS_KEY_ID": "STS.StsKeyId",
    "OSSV_STS_ACCESS_KEY_SECRET": STS_SECRET,
    "OSSV_STS_TOKEN": TOKEN + "sts",
    "OSSV_OTHER_ACCOUNT_ID": "999",
    "OSSV_OTHER_ACCESS_KEY_ID": "LTAI5tOtherKeyId",
    "OSSV_OTHER_ACCESS_KEY_SECRET": OTHER_SECRET,
}


def test_defaults_select_the_bundled_emulator() -> None:
    s = load_settings(environ={})
    assert s.endpoint is None and s.uses_emulator
    assert s.target == "emulator"
    assert (s.region, s.profile, s.max_rps, s.request_timeout_s, s.read_lag_s, s.verify_tls, s.strict) == (
        "cn-hangzhou",
        "default",
        None,
        30.0,
        10.0,
        True,
        False,
    )
    assert s.primary is None and s.sts is None and s.other is None


def test_every_setting_is_a_field_with_matching_default() -> None:
    fields = Settings.__dataclass_fields__
    assert [d.name for d in SETTINGS] == list(fields)
    for d in SETTINGS:
        if d.name != "target":
            assert fields[d.name].default == d.default, d.name


def test_precedence_cli_over_environment_over_file_over_default(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('region = "from-file"\nprofile = "nightly"\nmax_rps = 3\nread_lag_s = 2.5\n')
    env = {"OSSV_REGION": "from-env", "OSSV_PROFILE": "quick", "OSSV_CONFIG": str(config)}
    s = load_settings(cli={"region": "from-cli", "profile": None}, environ=env)
    assert s.region == "from-cli"
    assert s.profile == "quick"
    assert s.max_rps == 3.0
    assert s.read_lag_s == 2.5
    assert load_settings(cli={"--ossv-region": "flag-form"}, environ=env).region == "flag-form"


def test_explicit_config_file_beats_ossv_config(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text('region = "from-a"\n')
    b.write_text('region = "from-b"\n')
    assert load_settings(environ={"OSSV_CONFIG": str(a)}, config_file=b).region == "from-b"


def test_full_identity_set_is_exposed_as_credentials() -> None:
    s = load_settings(environ=FULL_ENV)
    assert s.primary == Credentials("LTAI5tPrimaryKeyId", SECRET, TOKEN)
    assert s.sts == Credentials("STS.StsKeyId", STS_SECRET, TOKEN + "sts")
    assert s.other == Credentials("LTAI5tOtherKeyId", OTHER_SECRET)
    assert s.other_account_id == "999"
    assert s.target == "cn-hangzhou.oss-vectors.aliyuncs.com"


def test_target_derived_from_endpoint_host_and_port() -> None:
    env = {**FULL_ENV, "OSSV_ENDPOINT": "http://127.0.0.1:9000/"}
    s = load_settings(environ=env)
    assert s.endpoint == "http://127.0.0.1:9000"
    assert s.target == "127.0.0.1-9000"


def test_redacted_form_never_contains_secrets() -> None:
    s = load_settings(environ=FULL_ENV)
    for text in (repr(s), str(s), str(s.redacted()), f"{s}", f"{s!r}"):
        for secret in (SECRET, TOKEN, STS_SECRET, OTHER_SECRET, "LTAI5tPrimaryKeyId", "LTAI5tOtherKeyId"):
            assert secret not in text
    red = s.redacted()
    assert red["access_key_secret"] == "<redacted>"
    assert red["session_token"] == "<redacted>"
    assert red["access_key_id"] == "LTAI***"
    assert red["region"] == "cn-hangzhou"


def test_with_endpoint_fills_in_the_emulator() -> None:
    s = load_settings(environ={}).with_endpoint(
        "http://127.0.0.1:8123",
        "1234567890123456",
        Credentials("EMUKEY", "emu-secret"),
        sts=Credentials("EMUSTS", "sts-secret", "tok-abc"),
        other_account_id="42",
        other=Credentials("EMUOTHER", "other-secret"),
    )
    assert s.endpoint == "http://127.0.0.1:8123"
    assert s.target == "emulator"
    assert s.primary == Credentials("EMUKEY", "emu-secret")
    assert s.sts is not None and s.other is not None and s.other_account_id == "42"


def test_settings_table_lists_every_setting() -> None:
    table = settings_table_markdown()
    for d in SETTINGS:
        assert f"`{d.env}`" in table and f"`{d.name}`" in table and f"`{d.flag}`" in table
    assert "OSSV_MAX_RPS" in table and "cn-hangzhou" in table


BAD: list[tuple[dict[str, str], str]] = [
    ({"OSSV_MAX_RPS": "fast"}, "OSSV_MAX_RPS (environment): expected a number > 0, got 'fast'"),
    ({"OSSV_MAX_RPS": "0"}, "OSSV_MAX_RPS (environment)"),
    ({"OSSV_MAX_RPS": "-1"}, "OSSV_MAX_RPS (environment)"),
    ({"OSSV_TIMEOUT": "nan"}, "OSSV_TIMEOUT (environment)"),
    ({"OSSV_READ_LAG": "-2"}, "OSSV_READ_LAG (environment)"),
    ({"OSSV_ENDPOINT": "ftp://x"}, "OSSV_ENDPOINT (environment)"),
    ({"OSSV_ENDPOINT": "not a url"}, "OSSV_ENDPOINT (environment)"),
    ({"OSSV_ENDPOINT": "https://host/path"}, "OSSV_ENDPOINT (environment)"),
    ({"OSSV_REGION": "CN_Hangzhou"}, "OSSV_REGION (environment)"),
    ({"OSSV_ACCOUNT_ID": "12ab"}, "OSSV_ACCOUNT_ID (environment)"),
    ({"OSSV_OTHER_ACCOUNT_ID": "x1"}, "OSSV_OTHER_ACCOUNT_ID (environment)"),
    ({"OSSV_BUCKET": "-bad"}, "OSSV_BUCKET (environment)"),
    ({"OSSV_BUCKET": "ab"}, "OSSV_BUCKET (environment)"),
    ({"OSSV_BUCKET": "a" * 33}, "OSSV_BUCKET (environment)"),
    ({"OSSV_BUCKET": "Upper"}, "OSSV_BUCKET (environment)"),
    ({"OSSV_PROFILE": "turbo"}, "OSSV_PROFILE (environment)"),
    ({"OSSV_STRICT": "maybe"}, "OSSV_STRICT (environment)"),
    ({"OSSV_VERIFY_TLS": "sure"}, "OSSV_VERIFY_TLS (environment)"),
    ({"OSSV_ENDPOINT": "https://h"}, "OSSV_ACCOUNT_ID (not set): required when an endpoint is configured"),
    ({"OSSV_ENDPOINT": "https://h", "OSSV_ACCOUNT_ID": "1"}, "OSS_ACCESS_KEY_ID (not set)"),
    ({"OSS_ACCESS_KEY_ID": "k"}, "OSS_ACCESS_KEY_SECRET (not set)"),
    ({"OSSV_STS_ACCESS_KEY_ID": "k", "OSSV_STS_ACCESS_KEY_SECRET": "s"}, "OSSV_STS_TOKEN (not set)"),
    ({"OSSV_OTHER_ACCOUNT_ID": "1", "OSSV_OTHER_ACCESS_KEY_ID": "k"}, "OSSV_OTHER_ACCESS_KEY_SECRET (not set)"),
]


@pytest.mark.parametrize(("env", "expected"), BAD, ids=[e for _, e in BAD])
def test_each_validation_error_is_one_line_naming_setting_and_source(env: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(expected), message


def test_cli_and_file_errors_name_their_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--ossv-max-rps \(command line\): expected a number > 0"):
        load_settings(cli={"max_rps": "x"}, environ={})
    config = tmp_path / "bad.toml"
    config.write_text('max_rps = "x"\n')
    with pytest.raises(ConfigError, match=r"^max_rps \(config file .*bad.toml\)"):
        load_settings(environ={}, config_file=config)
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings(cli={"nonsense": 1}, environ={})


def test_toml_parse_errors_and_unknown_keys_are_errors(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("region = \n[[[")
    with pytest.raises(ConfigError, match="TOML parse error") as info:
        load_settings(environ={}, config_file=broken)
    assert "\n" not in str(info.value)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('regoin = "cn-hangzhou"\n')
    with pytest.raises(ConfigError, match=r"^regoin \(config file .*\): unknown setting"):
        load_settings(environ={}, config_file=unknown)
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(environ={"OSSV_CONFIG": str(tmp_path / "missing.toml")})


def test_secret_values_never_appear_in_errors() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(cli={"access_key_secret": 12345}, environ={})
    assert "12345" not in str(info.value)


def test_empty_environment_values_mean_unset() -> None:
    s = load_settings(environ={"OSSV_PROFILE": "", "OSSV_MAX_RPS": " ", "OSSV_ENDPOINT": ""})
    assert (s.profile, s.max_rps, s.endpoint) == ("default", None, None)


def test_bool_and_number_parsing() -> None:
    s = load_settings(environ={"OSSV_STRICT": "YES", "OSSV_VERIFY_TLS": "0", "OSSV_MAX_RPS": "2.5", "OSSV_TIMEOUT": "5"})
    assert (s.strict, s.verify_tls, s.max_rps, s.request_timeout_s) == (True, False, 2.5, 5.0)
    cli = load_settings(cli={"strict": True, "max_rps": 4, "report_dir": "out"}, environ={})
    assert (cli.strict, cli.max_rps, str(cli.report_dir)) == (True, 4.0, "out")


USERINFO_ENDPOINTS = [
    "http://user:pa55w0rd@host.example",
    "https://user:pa55w0rd@host.example:8443",
    "https://user:pa55w0rd@host.example/path?q=1",
    "http://:pa55w0rd@host.example",
    "http://pa55w0rd@host.example",
    "ftp://user:pa55w0rd@host.example",
    "user:pa55w0rd@host.example",
    "http://user:pa55w0rd@[::1",
    "http://user:pa55w0rd@host.example:notaport",
]


@pytest.mark.parametrize("endpoint", USERINFO_ENDPOINTS)
def test_endpoint_with_user_information_is_refused_without_echoing_it(endpoint: str) -> None:
    for env, cli in (({"OSSV_ENDPOINT": endpoint}, None), ({}, {"endpoint": endpoint})):
        with pytest.raises(ConfigError) as info:
            load_settings(cli=cli, environ=env)
        message = str(info.value)
        assert "\n" not in message and "pa55w0rd" not in message, message
        assert message.startswith(("OSSV_ENDPOINT (environment): ", "--ossv-endpoint (command line): ")), message
        assert "user information" in message and "<redacted>@" in message


def test_a_broken_endpoint_is_a_config_error_not_a_traceback() -> None:
    for endpoint in ("http://[::1", "http://host:99999", "http://host:port"):
        with pytest.raises(ConfigError, match=r"^OSSV_ENDPOINT \(environment\): "):
            load_settings(environ={"OSSV_ENDPOINT": endpoint})


@pytest.mark.parametrize("name", [s.name for s in SETTINGS if s.secret])
def test_secrets_are_refused_on_the_command_line_without_echo(name: str) -> None:
    flag = "--ossv-" + name.replace("_", "-")
    for key in (name, flag):
        with pytest.raises(ConfigError) as info:
            load_settings(cli={key: "Cl1SecretValue"}, environ={})
        message = str(info.value)
        assert message.startswith(f"{flag} (command line): secrets are accepted only from the environment"), message
        assert "Cl1SecretValue" not in message


def test_secrets_from_a_config_file_are_secret_values(tmp_path: Path) -> None:
    from conformance.secret import Secret

    config = tmp_path / "c.toml"
    config.write_text(f'access_key_id = "LTAI5tFileKey"\naccess_key_secret = "{SECRET}"\n')
    s = load_settings(environ={}, config_file=config)
    assert isinstance(s.access_key_secret, Secret) and s.access_key_secret == SECRET
    assert s.secrets == (s.access_key_secret,)
    bad = tmp_path / "bad.toml"
    bad.write_text("access_key_secret = 12345\n")
    with pytest.raises(ConfigError) as info:
        load_settings(environ={}, config_file=bad)
    assert "12345" not in str(info.value) and "not shown" in str(info.value)
