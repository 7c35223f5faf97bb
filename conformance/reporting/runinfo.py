"""What the runner knows about a run that the events do not: where, with what, and against which expectations.

The runner fills a ``RunInfo``; every field is already in printable (redacted) form, because the
reports print all of it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any


def utc_now_iso() -> str:
    """ISO 8601 UTC with a ``Z``, second precision: the form every timestamp in the reports uses."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Versions:
    suite: str
    python: str
    hypothesis: str
    pytest: str
    sdk: str | None = None


@dataclass(frozen=True)
class ExpectationsInfo:
    """The target's expectations file: its sha256 is how ``compare`` notices the expectations moved."""

    path: str
    sha256: str
    entries: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class CatalogEntry:
    """One documented requirement; ``level`` is ``MUST``, ``SHOULD`` or ``OBSERVE`` (a ``Level`` is accepted)."""

    id: str
    level: str
    title: str
    source: str = ""

    def __post_init__(self) -> None:
        level = self.level
        if isinstance(level, enum.Enum):  # str(Level.MUST) would be "Level.MUST"
            object.__setattr__(self, "level", str(level.value))

    @classmethod
    def of(cls, requirement: Any) -> CatalogEntry:
        """From anything with ``id``, ``level``, ``title``, ``source`` (``conformance.catalog.Requirement``) or a dict."""
        if isinstance(requirement, Mapping):
            return cls(
                str(requirement["id"]),
                requirement["level"],
                str(requirement.get("title", "")),
                str(requirement.get("source", "")),
            )
        return cls(str(requirement.id), requirement.level, str(requirement.title), str(getattr(requirement, "source", "")))


@dataclass
class RunInfo:
    run_id: str
    target: str
    endpoint: str  # already redacted
    driver: str
    settings_redacted: dict[str, Any]
    versions: Versions
    profile: str
    seed: str | int | None
    started_at: str
    ended_at: str | None
    argv: list[str]  # already redacted
    exit_code: int | None
    expectations: ExpectationsInfo
    catalog: list[CatalogEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.catalog = [c if isinstance(c, CatalogEntry) else CatalogEntry.of(c) for c in self.catalog]

    @property
    def strict(self) -> bool:
        """SHOULD failures count against conformance only when the settings say so."""
        return bool(self.settings_redacted.get("strict", False))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunInfo:
        return cls(
            run_id=str(data["run_id"]),
            target=str(data["target"]),
            endpoint=str(data["endpoint"]),
            driver=str(data["driver"]),
            settings_redacted=dict(data.get("settings_redacted") or {}),
            versions=Versions(**data["versions"]),
            profile=str(data["profile"]),
            seed=data.get("seed"),
            started_at=str(data["started_at"]),
            ended_at=data.get("ended_at"),
            argv=[str(a) for a in data.get("argv") or []],
            exit_code=data.get("exit_code"),
            expectations=ExpectationsInfo(**data["expectations"]),
            catalog=[CatalogEntry(**entry) for entry in data.get("catalog") or []],
        )
