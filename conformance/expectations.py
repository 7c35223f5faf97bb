"""Per-target expectation files: known deviations, each with a reason, a link and an expiry.

Expectations live outside the test code. A listed failure becomes "xfail"; a listed check
that passes is "xpass" (news); an entry that matches nothing in a full run is an error,
and an expired entry no longer applies.

File format (TOML)::

    [[expected_failure]]
    requirement = "DV-ERROR-SHAPE"          # or: test = "test_delete_vectors_...", matched as a substring of the test id
    reason = "errors come as XML"
    link = "https://example.invalid/ticket/1"
    expires = 2027-03-31
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from conformance.catalog import BY_ID
from conformance.records import CheckResult, Outcome


class ExpectationsError(ValueError):
    """A malformed expectations file; its message is one line."""


@dataclass(frozen=True)
class Entry:
    requirement: str | None
    test: str | None
    reason: str
    link: str
    expires: date | None

    def matches(self, result: CheckResult | dict[str, Any]) -> bool:
        test_id = result.test_id if isinstance(result, CheckResult) else str(result.get("test_id", ""))
        reqs = result.requirements if isinstance(result, CheckResult) else list(result.get("requirements", []))
        if self.requirement is not None and self.requirement not in reqs:
            return False
        return not (self.test is not None and self.test not in test_id)

    def expired(self, today: date) -> bool:
        return self.expires is not None and self.expires < today

    def describe(self) -> str:
        what = self.requirement or self.test or "?"
        return f"{what}: {self.reason}" + (f" ({self.link})" if self.link else "")


@dataclass(frozen=True)
class Expectations:
    path: str | None
    sha256: str | None
    entries: tuple[Entry, ...]

    @classmethod
    def none(cls) -> Expectations:
        return cls(None, None, ())

    def active(self, today: date | None = None) -> tuple[Entry, ...]:
        day = today or date.today()
        return tuple(e for e in self.entries if not e.expired(day))

    def apply(self, result: CheckResult, today: date | None = None) -> CheckResult:
        """FAIL -> XFAIL and PASS -> XPASS where an active entry lists the check."""
        for entry in self.active(today):
            if entry.matches(result):
                if result.outcome is Outcome.FAIL:
                    result.outcome = Outcome.XFAIL
                    result.message = f"expected failure: {entry.describe()}; {result.message}"
                elif result.outcome is Outcome.PASS:
                    result.outcome = Outcome.XPASS
                    result.message = f"unexpectedly passed: {entry.describe()}"
                break
        return result

    def unmatched(self, results: list[dict[str, Any]], today: date | None = None) -> list[Entry]:
        return [e for e in self.active(today) if not any(e.matches(r) for r in results)]

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "sha256": self.sha256,
            "entries": [
                {
                    "requirement": e.requirement,
                    "test": e.test,
                    "reason": e.reason,
                    "link": e.link,
                    "expires": e.expires.isoformat() if e.expires else None,
                }
                for e in self.entries
            ],
        }


def load(path: Path | None) -> Expectations:
    if path is None or not path.exists():
        return Expectations.none()
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ExpectationsError(f"{path}: not valid TOML: {err}") from None
    unknown = set(data) - {"expected_failure"}
    if unknown:
        raise ExpectationsError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}; only [[expected_failure]] is allowed")
    entries = []
    for i, item in enumerate(data.get("expected_failure", []), 1):
        where = f"{path}: expected_failure #{i}"
        if not isinstance(item, dict):
            raise ExpectationsError(f"{where}: must be a table")
        extra = set(item) - {"requirement", "test", "reason", "link", "expires"}
        if extra:
            raise ExpectationsError(f"{where}: unknown key(s) {', '.join(sorted(extra))}")
        req, test = item.get("requirement"), item.get("test")
        if req is None and test is None:
            raise ExpectationsError(f"{where}: needs 'requirement' or 'test'")
        for key, value in (("requirement", req), ("test", test)):
            if value is not None and not isinstance(value, str):
                raise ExpectationsError(f"{where}: '{key}' must be a string, got {type(value).__name__}")
        if req is not None and req not in BY_ID:
            raise ExpectationsError(f"{where}: unknown requirement {req!r}")
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExpectationsError(f"{where}: needs a 'reason'")
        expires = item.get("expires")
        if expires is not None and (not isinstance(expires, date) or isinstance(expires, datetime)):
            raise ExpectationsError(f"{where}: 'expires' must be a TOML date like 2027-03-31")
        entries.append(Entry(req, test, reason.strip(), str(item.get("link", "")), expires))
    return Expectations(str(path), hashlib.sha256(raw).hexdigest(), tuple(entries))


def default_path(target: str, search: tuple[Path, ...] = ()) -> Path | None:
    """``expectations/<target>.toml`` in ``search``, then in the working directory (none is packaged)."""
    for folder in (*search, Path("expectations")):
        candidate = folder / f"{target}.toml"
        if candidate.exists():
            return candidate
    return None
