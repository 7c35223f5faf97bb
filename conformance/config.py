"""Settings, declared once in a table; the only module that reads the environment.

Every setting has a TOML key, an environment variable, a pytest flag (``--ossv-...``) and a
default, and some a flag of ``ossv-conformance run`` (``run_flag``), written as data in
``SETTINGS``: the plugin's options, the ``run`` subcommand's flags and ``ossv-conformance
settings`` are all generated from it. Precedence: CLI flag > environment > TOML file (``config_file`` or
``OSSV_CONFIG``) > default. Every problem is a ``ConfigError`` whose message is one line naming
the setting and where its value came from. ``Settings`` prints only in redacted form.

Secrets (access key secrets, STS tokens) are wrapped in ``Secret`` the moment they are read
from the environment or the TOML file, so no local variable or field holds one in clear; they are
refused on the command line (a command line is visible to other users and lands in logs and
reports). An endpoint URL carrying user information is refused without echoing it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from conformance import profiles
from conformance.redact import REDACTED, mask_key_id
from conformance.secret import Secret, secret_or_none
from conformance.signing import Credentials

CONFIG_ENV = "OSSV_CONFIG"


class ConfigError(ValueError):
    """A configuration problem, told in one line: setting, source, what was wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class _Invalid(ValueError):
    """Raised by a parser; turned into a ConfigError naming setting and source."""


# --- value parsers ----------------------------------------------------------------


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, got {value!r}")
    return value


def _opt_text(value: object) -> str | None:
    text = _text(value).strip()
    return text or None


def _opt_secret(value: object) -> Secret | None:
    """A secret setting: a Secret (or a str, wrapped at once); whitespace around it is not part of it."""
    if isinstance(value, str):
        value = Secret(value)
    if not isinstance(value, Secret):
        raise _Invalid("expected a string")
    return secret_or_none(value.strip())


def shown_url(text: str) -> str:
    """A URL as it may be printed: any user information (``user:password@``) replaced by ``<redacted>``."""
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "", text
    end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    netloc = rest[:end]
    if "@" in netloc:
        netloc = REDACTED + "@" + netloc.rpartition("@")[2]
    return (scheme + sep if sep else "") + netloc + rest[end:]


def _endpoint(value: object) -> str | None:
    text = _opt_text(value)
    if text is None:
        return None
    shown = shown_url(text)
    if shown != text:
        raise _Invalid(
            "user information (user:password@) is not allowed in the endpoint URL; "
            f"credentials come from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET; got {shown!r}"
        )
    try:
        parts: SplitResult = urlsplit(text)
        port = parts.port
    except ValueError:
        raise _Invalid(f"expected an http(s) URL with a host and a valid port, got {text!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _Invalid(f"expected an http(s) URL with a host, got {text!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _Invalid(f"expected scheme://host[:port] only, got {text!r}")
    del port
    return f"{parts.scheme}://{parts.netloc}"


def _region(value: object) -> str:
    text = _text(value).strip()
    if not re.fullmatch(r"[a-z0-9-]+", text):
        raise _Invalid(f"expected a region id like cn-hangzhou ([a-z0-9-]), got {text!r}")
    return text


def _digits(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = _opt_text(value)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()):
        raise _Invalid(f"expected digits only, got {text!r}")
    return text


def _bucket(value: object) -> str | None:
    text = _opt_text(value)
    if text is None:
        return None
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,30}[a-z0-9]", text):
        raise _Invalid(f"expected 3-32 chars of [a-z0-9-], not starting or ending with '-', got {text!r}")
    return text


def _number(value: object) -> float:
    if isinstance(value, bool):
        raise _Invalid(f"expected a number, got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(_text(value).strip())
    except ValueError:
        raise _Invalid(f"expected a number, got {value!r}") from None


def _positive(value: object) -> float:
    try:
        number = _number(value)
    except _Invalid:
        raise _Invalid(f"expected a number > 0, got {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise _Invalid(f"expected a number > 0, got {value!r}")
    return number


def _opt_positive(value: object) -> float | None:
    if isinstance(value, str) and not value.strip():
        return None
    return _positive(value)


def _non_negative(value: object) -> float:
    try:
        number = _number(value)
    except _Invalid:
        raise _Invalid(f"expected a number >= 0, got {value!r}") from None
    if not number >= 0 or number == float("inf"):
        raise _Invalid(f"expected a number >= 0, got {value!r}")
    return number


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Invalid(f"expected true/false (1/0, yes/no, on/off), got {value!r}")


def _profile(value: object) -> str:
    text = _text(value).strip()
    if text not in profiles.NAMES:
        raise _Invalid(f"expected one of {'|'.join(profiles.NAMES)}, got {text!r}")
    return text


def _path(value: object) -> Path | None:
    if isinstance(value, os.PathLike):
        return Path(value)
    text = _opt_text(value)
    return Path(text) if text else None


# --- the table --------------------------------------------------------------------


@dataclass(frozen=True)
class SettingDef:
    """One row of the settings table; ``name`` is also the TOML key and the Settings field.

    ``run_flag`` is the setting's flag of ``ossv-conformance run`` (None: environment, file or
    ``--ossv-...`` only); a secret never has one. ``choices`` are the only values it accepts.
    """

    name: str
    env: str
    default: object
    parse: Callable[[object], Any]
    help: str
    secret: bool = False
    key_id: bool = False
    run_flag: str | None = None
    choices: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.secret and self.run_flag is not None:
            raise ValueError(f"{self.name}: a secret is never a command-line flag")

    @property
    def flag(self) -> str:
        return "--ossv-" + self.name.replace("_", "-")

    @property
    def switch(self) -> bool:
        """A true/false setting: its ``run`` flag takes no value (given means true)."""
        return self.parse is _bool

    @property
    def flag_help(self) -> str:
        """The help of its flags (``--ossv-...`` and ``run``)."""
        return f"{self.help} (env {self.env})"

    @property
    def default_text(self) -> str:
        return _DEFAULT_TEXT.get(self.name, "unset" if self.default is None else str(self.default).lower())


def _either(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)


SETTINGS: tuple[SettingDef, ...] = (
    SettingDef(
        "endpoint",
        "OSSV_ENDPOINT",
        None,
        _endpoint,
        "Regional endpoint URL; unset runs the bundled emulator on 127.0.0.1",
        run_flag="--endpoint",
    ),
    SettingDef(
        "region",
        "OSSV_REGION",
        "cn-hangzhou",
        _region,
        "Region id used in the signing scope and canonical URI",
        run_flag="--region",
    ),
    SettingDef(
        "account_id",
        "OSSV_ACCOUNT_ID",
        None,
        _digits,
        "Account (UID) that owns the buckets; digits only",
        run_flag="--account-id",
    ),
    SettingDef(
        "bucket",
        "OSSV_BUCKET",
        None,
        _bucket,
        "An existing vector bucket to work in; unset: the suite creates its own",
        run_flag="--bucket",
    ),
    SettingDef("access_key_id", "OSS_ACCESS_KEY_ID", None, _opt_text, "Primary AccessKey id", key_id=True),
    SettingDef("access_key_secret", "OSS_ACCESS_KEY_SECRET", None, _opt_secret, "Primary AccessKey secret", secret=True),
    SettingDef(
        "session_token",
        "OSS_SESSION_TOKEN",
        None,
        _opt_secret,
        "STS token of the primary identity, if it is temporary",
        secret=True,
    ),
    SettingDef("sts_access_key_id", "OSSV_STS_ACCESS_KEY_ID", None, _opt_text, "STS identity: AccessKey id", key_id=True),
    SettingDef(
        "sts_access_key_secret", "OSSV_STS_ACCESS_KEY_SECRET", None, _opt_secret, "STS identity: AccessKey secret", secret=True
    ),
    SettingDef("sts_token", "OSSV_STS_TOKEN", None, _opt_secret, "STS identity: security token", secret=True),
    SettingDef("other_account_id", "OSSV_OTHER_ACCOUNT_ID", None, _digits, "A second account without rights on the bucket"),
    SettingDef("other_access_key_id", "OSSV_OTHER_ACCESS_KEY_ID", None, _opt_text, "Second account: AccessKey id", key_id=True),
    SettingDef(
        "other_access_key_secret",
        "OSSV_OTHER_ACCESS_KEY_SECRET",
        None,
        _opt_secret,
        "Second account: AccessKey secret",
        secret=True,
    ),
    SettingDef(
        "max_rps",
        "OSSV_MAX_RPS",
        None,
        _opt_positive,
        "Request-rate budget shared by all workers (requests/s)",
        run_flag="--max-rps",
    ),
    SettingDef(
        "target",
        "OSSV_TARGET",
        None,
        _opt_text,
        "Target name for reports and expectation files",
        run_flag="--target",
    ),
    SettingDef(
        "profile",
        "OSSV_PROFILE",
        profiles.DEFAULT,
        _profile,
        f"Hypothesis profile: {_either(profiles.NAMES)}",
        run_flag="--profile",
        choices=profiles.NAMES,
    ),
    SettingDef("report_dir", "OSSV_REPORT_DIR", None, _path, "Directory for JUnit/NDJSON/HTML reports", run_flag="--report-dir"),
    SettingDef("strict", "OSSV_STRICT", False, _bool, "Judge SHOULD requirements like MUST", run_flag="--strict"),
    SettingDef("request_timeout_s", "OSSV_TIMEOUT", 30.0, _positive, "Per-request timeout in seconds"),
    SettingDef(
        "read_lag_s",
        "OSSV_READ_LAG",
        10.0,
        _non_negative,
        "Max seconds to wait for read-after-delete to converge",
        run_flag="--read-lag",
    ),
    SettingDef("verify_tls", "OSSV_VERIFY_TLS", True, _bool, "Verify TLS certificates"),
)
_BY_NAME = {s.name: s for s in SETTINGS}
RUN_SETTINGS: tuple[SettingDef, ...] = tuple(s for s in SETTINGS if s.run_flag is not None)
"""The settings that are flags of ``ossv-conformance run`` too (never a secret)."""
_DEFAULT_TEXT = {
    "endpoint": "unset (bundled emulator)",
    "max_rps": "unset (unlimited)",
    "target": "`emulator`, or derived from the endpoint host",
    "bucket": "unset (suite-created buckets)",
}

_PRIMARY = ("access_key_id", "access_key_secret")
_STS = ("sts_access_key_id", "sts_access_key_secret", "sts_token")
_OTHER = ("other_account_id", "other_access_key_id", "other_access_key_secret")


def settings_table_markdown() -> str:
    """The settings table as Markdown, generated from ``SETTINGS`` so docs never drift."""
    lines = [
        "| Setting (TOML key) | Environment | CLI flag | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        lines.append(f"| `{s.name}` | `{s.env}` | `{s.flag}` | {s.default_text} | {s.help} |")
    lines.append("")
    lines.append(
        f"Precedence: CLI flag > environment > TOML file (`--ossv-config` or `{CONFIG_ENV}`) > default. "
        "Secrets are read only from the environment or the TOML file (never a flag) and print as `<redacted>`; "
        "key ids keep their first four characters."
    )
    return "\n".join(lines)


# --- the settings object ----------------------------------------------------------


SecretSetting = Secret | str | None
"""What a secret field accepts; it always holds a ``Secret`` (or None) once the Settings exist."""

_SECRET_FIELDS = tuple(s.name for s in SETTINGS if s.secret)


@dataclass(frozen=True, repr=False)
class Settings:
    """Everything configurable, validated; printable only through ``redacted()``.

    Secret fields accept a plain str (the launcher fills them in) and hold it as a ``Secret``.
    """

    endpoint: str | None = None
    region: str = "cn-hangzhou"
    account_id: str | None = None
    bucket: str | None = None
    access_key_id: str | None = None
    access_key_secret: SecretSetting = None
    session_token: SecretSetting = None
    sts_access_key_id: str | None = None
    sts_access_key_secret: SecretSetting = None
    sts_token: SecretSetting = None
    other_account_id: str | None = None
    other_access_key_id: str | None = None
    other_access_key_secret: SecretSetting = None
    max_rps: float | None = None
    target: str = "emulator"
    profile: str = profiles.DEFAULT
    report_dir: Path | None = None
    strict: bool = False
    request_timeout_s: float = 30.0
    read_lag_s: float = 10.0
    verify_tls: bool = True

    def __post_init__(self) -> None:
        for name in _SECRET_FIELDS:
            object.__setattr__(self, name, secret_or_none(getattr(self, name)))

    def _secret(self, name: str) -> Secret | None:
        value = getattr(self, name)
        return value if isinstance(value, Secret) else None

    @property
    def primary(self) -> Credentials | None:
        """The main identity (with OSS_SESSION_TOKEN when set); None until an endpoint is known."""
        secret = self._secret("access_key_secret")
        if self.access_key_id and secret:
            return Credentials(self.access_key_id, secret, self._secret("session_token"))
        return None

    @property
    def sts(self) -> Credentials | None:
        secret, token = self._secret("sts_access_key_secret"), self._secret("sts_token")
        if self.sts_access_key_id and secret and token:
            return Credentials(self.sts_access_key_id, secret, token)
        return None

    @property
    def other(self) -> Credentials | None:
        secret = self._secret("other_access_key_secret")
        if self.other_account_id and self.other_access_key_id and secret:
            return Credentials(self.other_access_key_id, secret)
        return None

    @property
    def uses_emulator(self) -> bool:
        return self.endpoint is None

    @property
    def secrets(self) -> tuple[Secret, ...]:
        """Every secret and token value configured (as Secrets), for building a Redactor."""
        return tuple(value for value in (self._secret(name) for name in _SECRET_FIELDS) if value)

    def redacted(self) -> dict[str, object]:
        """The only printable form: secrets as ``<redacted>``, key ids masked."""
        out: dict[str, object] = {}
        for s in SETTINGS:
            value = getattr(self, s.name)
            if value is not None and s.secret:
                value = REDACTED
            elif value is not None and s.key_id:
                value = mask_key_id(str(value))
            elif isinstance(value, Path):
                value = str(value)
            out[s.name] = value
        return out

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self.redacted().items())})"

    __str__ = __repr__

    def with_endpoint(
        self,
        endpoint: str,
        account_id: str,
        credentials: Credentials,
        *,
        sts: Credentials | None = None,
        other_account_id: str | None = None,
        other: Credentials | None = None,
        target: str | None = None,
    ) -> Settings:
        """Fill in what the embedded emulator's launcher knows once it has started."""
        try:
            checked_endpoint = _endpoint(endpoint)
        except _Invalid as exc:
            raise ConfigError(f"endpoint (with_endpoint): {exc}") from None
        changes: dict[str, Any] = {
            "endpoint": checked_endpoint,
            "account_id": _digits(account_id),
            "access_key_id": credentials.access_key_id,
            "access_key_secret": credentials.access_key_secret,
            "session_token": credentials.security_token,
        }
        if sts is not None:
            changes.update(
                sts_access_key_id=sts.access_key_id, sts_access_key_secret=sts.access_key_secret, sts_token=sts.security_token
            )
        if other is not None:
            changes.update(
                other_account_id=_digits(other_account_id),
                other_access_key_id=other.access_key_id,
                other_access_key_secret=other.access_key_secret,
            )
        if target is not None:
            changes["target"] = target
        new = dataclasses.replace(self, **changes)
        _check_whole(new, {k: "with_endpoint" for k in changes})
        return new


# --- loading ----------------------------------------------------------------------


def _cli_key(key: str) -> str | None:
    name = key.lstrip("-").removeprefix("ossv-").removeprefix("ossv_").replace("-", "_")
    return name if name in _BY_NAME else None


class _Environment(Mapping[str, str]):
    """The environment as load_settings sees it; prints as its size, never its values (secrets live there)."""

    def __init__(self, inner: Mapping[str, str]) -> None:
        self._inner = inner

    def __getitem__(self, key: str) -> str:
        return self._inner[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._inner)

    def __len__(self) -> int:
        return len(self._inner)

    def __repr__(self) -> str:
        return f"<environment: {len(self._inner)} variables>"


def environment() -> Mapping[str, str]:
    """The process environment, for a caller that reads settings under other names (``diff``'s sides with an
    environment prefix); it prints as its size, never its values."""
    return _Environment(os.environ)


def _read_toml(path: Path, source: str) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            data: dict[str, object] = _wrap_secrets(tomllib.load(handle))
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found: {str(path)!r}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: TOML parse error in {str(path)!r}: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read {str(path)!r}: {exc.strerror}") from None
    for key in data:
        if key not in _BY_NAME:
            raise ConfigError(f"{key} (config file {path}): unknown setting; known: {', '.join(_BY_NAME)}")
    return data


def _wrap_secrets(data: dict[str, Any]) -> dict[str, object]:
    """Secret settings of a TOML file as Secrets, the moment they are parsed."""
    return {k: Secret(v) if k in _SECRET_FIELDS and isinstance(v, str) else v for k, v in data.items()}


def _label(setting: SettingDef, origin: str) -> str:
    if origin == "environment":
        return f"{setting.env} (environment)"
    if origin == "cli":
        return f"{setting.flag} (command line)"
    return f"{setting.name} ({origin})"


def load_settings(
    cli: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> Settings:
    """Merge CLI > environment > TOML > defaults, validate, and return frozen Settings.

    CLI keys may be setting names (``max_rps``) or flags (``--ossv-max-rps``); a value of None
    means "not given" (argparse's default). ``config`` in ``cli`` names the TOML file too.
    """
    env = _Environment(os.environ if environ is None else environ)
    cli = cli or {}
    cli_values: dict[str, object] = {}
    config_from_cli: object = None
    for key, value in cli.items():
        if value is None:
            continue
        if key.lstrip("-").replace("-", "_") in ("config", "ossv_config"):
            config_from_cli = value
            continue
        name = _cli_key(key)
        if name is None:
            raise ConfigError(f"{key} (command line): unknown setting")
        if _BY_NAME[name].secret:
            setting = _BY_NAME[name]
            raise ConfigError(
                f"{setting.flag} (command line): secrets are accepted only from the environment ({setting.env}) "
                "or the config file, never a flag (value not shown)"
            )
        cli_values[name] = value

    file_values: dict[str, object] = {}
    file_origin = ""
    if config_file is not None:
        path, file_origin = Path(config_file), f"config file {config_file}"
        file_values = _read_toml(path, f"config_file {str(config_file)!r}")
    elif config_from_cli is not None:
        path, file_origin = Path(str(config_from_cli)), f"config file {config_from_cli}"
        file_values = _read_toml(path, "--ossv-config (command line)")
    elif env.get(CONFIG_ENV):
        path, file_origin = Path(env[CONFIG_ENV]), f"config file {env[CONFIG_ENV]}"
        file_values = _read_toml(path, f"{CONFIG_ENV} (environment)")

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for s in SETTINGS:
        if s.name in cli_values:
            raw, origin = cli_values[s.name], "cli"
        elif s.env in env:
            raw, origin = (Secret(env[s.env]) if s.secret else env[s.env]), "environment"
        elif s.name in file_values:
            raw, origin = file_values[s.name], file_origin
        else:
            continue
        if isinstance(raw, str | Secret) and not raw.strip():
            continue  # an empty value means "not set"
        try:
            parsed = s.parse(raw)
        except _Invalid as exc:
            message = "invalid value (not shown: it is a secret)" if s.secret else str(exc)
            raise ConfigError(f"{_label(s, origin)}: {message}") from None
        values[s.name] = parsed
        origins[s.name] = origin

    if values.get("target") is None:
        values["target"] = _derive_target(values.get("endpoint"))
    settings = Settings(**values)
    _check_whole(settings, origins)
    return settings


def _derive_target(endpoint: str | None) -> str:
    """``emulator`` without an endpoint, else the endpoint's host[-port] as a file-safe name."""
    if endpoint is None:
        return "emulator"
    parts = urlsplit(endpoint)
    name = (parts.hostname or "endpoint").lower()
    if parts.port:
        name += f"-{parts.port}"
    return re.sub(r"[^a-z0-9.-]+", "-", name)


def _where(name: str, origins: Mapping[str, str]) -> str:
    setting = _BY_NAME[name]
    origin = origins.get(name)
    return _label(setting, origin) if origin else f"{setting.env} (not set)"


def _check_group(settings: Settings, names: tuple[str, ...], what: str, origins: Mapping[str, str]) -> None:
    present = [n for n in names if getattr(settings, n)]
    if present and len(present) != len(names):
        missing = next(n for n in names if not getattr(settings, n))
        given = ", ".join(_BY_NAME[n].env for n in present)
        raise ConfigError(f"{_where(missing, origins)}: {what} is incomplete: {given} set but {_BY_NAME[missing].env} missing")


def _check_whole(settings: Settings, origins: Mapping[str, str]) -> None:
    """Cross-field rules: a real endpoint needs an account and keys; identities come whole."""
    _check_group(settings, _PRIMARY, "the primary identity", origins)
    if settings.session_token and not settings.access_key_id:
        raise ConfigError(f"{_where('access_key_id', origins)}: OSS_SESSION_TOKEN is set but OSS_ACCESS_KEY_ID is missing")
    _check_group(settings, _STS, "the STS identity", origins)
    _check_group(settings, _OTHER, "the other-account identity", origins)
    if settings.endpoint is not None:
        for name in ("account_id", "access_key_id", "access_key_secret"):
            if not getattr(settings, name):
                raise ConfigError(
                    f"{_where(name, origins)}: required when an endpoint is configured ({_where('endpoint', origins)})"
                )
