"""Reference profiles: what one endpoint answered where the documentation is silent, kept to check others by.

``ossv-conformance run --record-reference FILE`` writes, from a finished run's OBSERVE records, every
answer the endpoint gave per OBSERVE requirement, test and input family (``conformance.oracle``'s
family of the request: its kinds of problems, never a drawn value). ``--reference FILE`` (or
``emulator``, the bundled emulator's profile shipped in ``conformance/references/``) checks a later run
against it. Sampling must not create differences, so only an answer the reference never saw for a
family it did see "differs from reference"; a family the reference lacks is "not in reference",
listed apart; a family this run did not draw is no news at all. Neither is ever a failure: the verdict
stands, and only ``--fail-on-reference-diff`` gives differences an exit code of their own.

What varies from run to run without the endpoint changing is normalised or left out:

* run-unique names (``ossvc...``), request ids, dates and numbers of bytes, keys or seconds in an answer
  are replaced by placeholders (``normalise``);
* ``DV-OBS-READ-LAG`` is left out (``EXCLUDED``): it is a duration measured against the clock, as much
  the machine's and the network's as the endpoint's, and whether the first read already shows a delete
  is a race on an eventually consistent service; the report's lag chart shows it instead;
* ``DV-OBS-ERROR-FORMAT`` and ``DV-OBS-REQUEST-ID-FORMAT`` describe the surface of every answer, so they
  are keyed by the answer (status and code) across all tests (``ANY_TEST``), not by test and request.

The file is JSON in a stable order (one family a line), small enough to read in review; it holds
answers, families and test ids only, and is redacted once more on the way out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from conformance.reporting.files import write_atomic

FORMAT = "ossv-conformance/reference/1"
BUNDLED = {"emulator": "references/emulator.json"}  # names for ``--reference``, inside the conformance package
REGENERATE = {
    "emulator": "ossv-conformance run --profile default --seed 1 -n 0 --record-reference conformance/references/emulator.json"
}
ANY_TEST = "*"
SURFACE = frozenset({"DV-OBS-ERROR-FORMAT", "DV-OBS-REQUEST-ID-FORMAT"})
EXCLUDED = {
    "DV-OBS-READ-LAG": "a duration measured against the clock (load and network as much as the endpoint), and whether "
    "the first read already shows a delete is a race on an eventually consistent service; see the lag chart instead",
}
NORMALISED = (
    "run-unique names (ossvc...) -> <run-name>",
    "request ids (16 or more hex digits) -> <request-id>",
    "dates and times -> <date>",
    "counts of bytes, keys and seconds -> N",
    "ERROR-FORMAT and REQUEST-ID-FORMAT keyed by the answer across all tests (*)",
)

_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"ossvc-?[0-9a-f]{8}[0-9a-z-]*"), "<run-name>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"), "<date>"),
    (re.compile(r"\b\d{8}T\d{6}Z\b"), "<date>"),
    (re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\b"), "<date>"),
    (re.compile(r"\b[0-9a-fA-F]{16,}\b"), "<request-id>"),
    (re.compile(r"\b\d+(-byte| bytes?\b| key\(s\)| keys?\b)"), r"N\1"),
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s)\b"), r"N \2"),
)


class ReferenceError(ValueError):
    """A reference that cannot be read or written, told in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


def normalise(text: str) -> str:
    """``text`` without what differs between two runs against the same endpoint (names, ids, dates, counts)."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


Key = tuple[str, str, str]  # (requirement, test, family)


def _test_of(event: Mapping[str, Any], requirement: str) -> str:
    """The test an OBSERVE record belongs to: its check id without the trailing ``[REQUIREMENT]``."""
    test_id = str(event.get("test_id", ""))
    return test_id.removesuffix(f"[{requirement}]")


def observed(events: Iterable[Mapping[str, Any]]) -> dict[Key, set[str]]:
    """Every answer of the run's OBSERVE records, by requirement, test and input family, normalised."""
    out: dict[Key, set[str]] = {}
    for event in events:
        if event.get("outcome") != "observed":
            continue
        requirements = [str(r) for r in event.get("requirements") or []]
        by_family = event.get("by_family")
        if len(requirements) != 1 or requirements[0] in EXCLUDED or not isinstance(by_family, Mapping):
            continue
        requirement = requirements[0]
        surface = requirement in SURFACE
        test = ANY_TEST if surface else _test_of(event, requirement)
        for family, answers in by_family.items():
            # a surface family is an answer (normalised like one); any other is the oracle's, free of drawn values
            key = (requirement, test, normalise(str(family)) if surface else str(family))
            out.setdefault(key, set()).update(normalise(str(a)) for a in answers or [])
    return out


# --- the file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """A loaded reference profile: where it came from, what it was recorded with, and its answers."""

    source: str
    answers: Mapping[str, Mapping[str, Mapping[str, tuple[str, ...]]]]  # requirement -> test -> family -> answers
    meta: Mapping[str, Any] = field(default_factory=dict)

    def lookup(self, key: Key) -> tuple[str, ...] | None:
        requirement, test, family = key
        return self.answers.get(requirement, {}).get(test, {}).get(family)

    def size(self) -> int:
        return sum(len(families) for tests in self.answers.values() for families in tests.values())


def build_reference(events: Iterable[Mapping[str, Any]], meta: Mapping[str, Any]) -> dict[str, Any]:
    """The reference profile of a run (``meta``: suite version, profile, seed, driver, target), as JSON data."""
    answers: dict[str, dict[str, dict[str, list[str]]]] = {}
    for (requirement, test, family), seen in sorted(observed(events).items()):
        answers.setdefault(requirement, {}).setdefault(test, {})[family] = sorted(seen)
    return {
        "format": FORMAT,
        **{k: meta[k] for k in sorted(meta)},
        "normalised": list(NORMALISED),
        "excluded": dict(EXCLUDED),
        "answers": answers,
    }


def dumps_reference(data: Mapping[str, Any]) -> str:
    """Stable text: keys in the order given (answers sorted), one family and its answers a line."""

    def dump(value: Any, depth: int) -> str:
        if isinstance(value, Mapping) and value:
            pad = "  " * (depth + 1)
            items = [f"{pad}{json.dumps(str(k), ensure_ascii=False)}: {dump(v, depth + 1)}" for k, v in value.items()]
            return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
        return json.dumps(value, ensure_ascii=False)

    return dump(data, 0) + "\n"


def write_reference(path: Path, data: Mapping[str, Any], redact: Callable[[str], str]) -> None:
    """Write the profile (through ``redact``: a secret never reaches the file); ``ReferenceError`` if it cannot."""
    try:
        write_atomic(path, redact(dumps_reference(data)))
    except OSError as err:
        raise ReferenceError(f"--record-reference {path}: cannot write: {err.strerror or err}") from None


def bundled_path(name: str) -> Path:
    return Path(str(resources.files("conformance").joinpath(BUNDLED[name])))


def load_reference(spec: str) -> Reference:
    """``spec`` is a file or a bundled name (``emulator``); any problem is a one-line ``ReferenceError``."""
    path = bundled_path(spec) if spec in BUNDLED else Path(spec)
    source = f"{spec} (bundled: {path})" if spec in BUNDLED else str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceError(f"--reference {spec}: file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ReferenceError(f"--reference {spec}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    except json.JSONDecodeError as err:
        raise ReferenceError(f"--reference {spec}: not JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ReferenceError(f"--reference {spec}: not a reference profile (format {found!r}, expected {FORMAT!r})")
    return Reference(source, _answers(spec, data.get("answers")), {k: v for k, v in data.items() if k != "answers"})


def _answers(spec: str, value: object) -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    def bad(where: str) -> ReferenceError:
        shape = "requirement -> test -> family -> [answers]"
        return ReferenceError(f"--reference {spec}: malformed answers at {where}: expected {shape}")

    if not isinstance(value, dict):
        raise bad("answers")
    out: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {}
    for requirement, tests in value.items():
        if not isinstance(tests, dict):
            raise bad(requirement)
        for test, families in tests.items():
            if not isinstance(families, dict):
                raise bad(f"{requirement} / {test}")
            for family, answers in families.items():
                if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
                    raise bad(f"{requirement} / {test} / {family}")
                out.setdefault(requirement, {}).setdefault(test, {})[family] = tuple(answers)
    return out


# --- checking a run -------------------------------------------------------------------------------


def check_reference(reference: Reference, events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``reference`` section of ``summary.json``: answers that differ from the reference, families it lacks."""
    differs: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    matched = 0
    for key, seen in sorted(observed(events).items()):
        requirement, test, family = key
        known = reference.lookup(key)
        entry: dict[str, Any] = {"requirement": requirement, "test": test, "family": family}
        if known is None:
            missing.append({**entry, "answers": sorted(seen)})
            continue
        new = sorted(seen - set(known))
        if new:
            differs.append({**entry, "answers": new, "reference": list(known), "rerun": _rerun(test)})
        else:
            matched += 1
    meta = reference.meta
    return {
        "source": reference.source,
        "recorded": {k: meta.get(k) for k in ("suite_version", "profile", "seed", "driver", "target")},
        "entries": reference.size(),
        "matched": matched,
        "differs": differs,
        "not_in_reference": missing,
        "excluded": sorted(EXCLUDED),
    }


def _rerun(test: str) -> str | None:
    if test == ANY_TEST:
        return None
    name = test.split("::")[-1].split("[")[0]
    return f"ossv-conformance run -k '{name}'"


def differs(section: Mapping[str, Any] | None) -> bool:
    return bool(section and section.get("differs"))


MAX_LINES = 20


def render_reference_text(section: Mapping[str, Any]) -> str:
    """What the terminal shows after the verdict: a count line, then each answer that differs from the reference."""
    diffs = list(section.get("differs") or [])
    missing = list(section.get("not_in_reference") or [])
    head = (
        f"Reference {section.get('source')}: {len(diffs)} differ from reference, {section.get('matched', 0)} as in reference, "
        f"{len(missing)} not in reference (families it never saw; not differences)"
    )
    lines = [head]
    for item in diffs[:MAX_LINES]:
        where = "" if item["test"] == ANY_TEST else f" {item['test']}"
        lines.append(
            f"  differs from reference: {item['requirement']}{where} [{item['family']}]: "
            f"{' | '.join(item['answers'])} (reference: {' | '.join(item['reference']) or 'none'})"
        )
    if len(diffs) > MAX_LINES:
        lines.append(f"  ... and {len(diffs) - MAX_LINES} more (summary.json, report.html)")
    return "\n".join(lines) + "\n"
