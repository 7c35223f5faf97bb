"""Turn verdicts into test outcomes and CheckResult events, by requirement level.

One Recorder per test item. Each Hypothesis example opens a fresh slate; verdicts that
fail at a binding level (MUST, and SHOULD under --strict) raise ``NonConformance`` so
Hypothesis shrinks them, and the last failing example recorded is the minimal one
(Hypothesis replays it last). Non-binding failures and OBSERVE records are kept, first
example first, without raising.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.catalog import requirement
from conformance.errors import NonConformance
from conformance.records import CheckResult, Exchange, Level, Outcome, Verdict


@dataclass
class _Failure:
    verdict: Verdict
    example: str
    exchanges: list[dict[str, Any]]
    case: dict[str, Any] = field(default_factory=dict)


UNLABELLED = "(unlabelled)"  # the family of an observation made outside a judged request (e.g. during setup)
MAX_ANSWERS = 50
MAX_FAMILIES = 200


@dataclass
class _Observation:
    seen: dict[str, str] = field(default_factory=dict)  # what was observed -> one example of it
    families: dict[str, set[str]] = field(default_factory=dict)  # input family -> what it was answered

    def add(self, observed: str, example: str, family: str = "") -> None:
        if observed not in self.seen and len(self.seen) < MAX_ANSWERS:
            self.seen[observed] = example
        family = family or UNLABELLED
        if family in self.families or len(self.families) < MAX_FAMILIES:
            answers = self.families.setdefault(family, set())
            if len(answers) < MAX_ANSWERS:
                answers.add(observed)


class Recorder:
    def __init__(self, test_id: str, declared: list[str], strict: bool, worker: str = "main") -> None:
        for req_id in declared:
            requirement(req_id)  # unknown ids fail loudly at collection time
        self.test_id = test_id
        self.declared = list(declared)
        self.strict = strict
        self.worker = worker
        self.example = ""
        self.exchanges: list[Exchange] = []
        self.passed: set[str] = set()
        self.failures: dict[str, _Failure] = {}
        self.soft_failures: dict[str, _Failure] = {}
        self.observations: dict[str, _Observation] = {}
        self.examples_run = 0
        self.judged_examples = 0  # examples that sent a DeleteVectors under test (what a request budget buys)
        self._judging = False
        self.requests = 0
        self.notes: list[str] = []
        self.case: dict[str, Any] = {}  # the world and request of the current example, for replay

    # --- during an example

    def start_example(self, description: str) -> None:
        self.example = description
        self.exchanges = []
        self.case = {}
        self.examples_run += 1
        self._judging = False

    def under_test(self) -> None:
        """The current example sent a DeleteVectors under test."""
        if not self._judging:
            self._judging = True
            self.judged_examples += 1

    def exchange(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)
        self.requests += 1

    def binding(self, level: Level) -> bool:
        return level is Level.MUST or (level is Level.SHOULD and self.strict)

    def record(self, verdicts: list[Verdict], observations: list[Verdict] | None = None) -> None:
        """Keep verdicts; raise at once if one fails at a binding level."""
        for obs in observations or []:
            self.observations.setdefault(obs.requirement, _Observation()).add(obs.observed, self.example, obs.family)
        raising: list[Verdict] = []
        for verdict in verdicts:
            if verdict.ok:
                self.passed.add(verdict.requirement)
                continue
            failure = _Failure(verdict, self.example, [e.to_json() for e in self.exchanges], dict(self.case))
            if self.binding(requirement(verdict.requirement).level):
                self.failures[verdict.requirement] = failure  # the last one is the minimal example
                raising.append(verdict)
            else:
                self.soft_failures.setdefault(verdict.requirement, failure)
        if raising:
            first = raising[0]
            raise NonConformance(f"{first.requirement}: expected {first.expected}; observed {first.observed}")

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    # --- after the test

    def results(self, outcome: Outcome, duration_s: float, reproduction: dict[str, Any], message: str = "") -> list[CheckResult]:
        """One CheckResult per requirement this test touched (declared or judged along the way).

        ``outcome`` is how the test itself ended: PASS, FAIL (a binding verdict failed), ERROR
        (the harness broke) or SKIP. Expectations files are applied later, by the plugin.
        """
        touched = list(dict.fromkeys([*self.declared, *self.passed, *self.failures, *self.soft_failures]))
        out: list[CheckResult] = []
        for req_id in touched:
            req = requirement(req_id)
            if req.level is Level.OBSERVE:
                continue
            failure = self.failures.get(req_id) or self.soft_failures.get(req_id)
            text = "; ".join(self.notes)
            if failure is not None:
                req_outcome = Outcome.FAIL
            elif outcome in (Outcome.ERROR, Outcome.SKIP):
                req_outcome, text = outcome, message
            elif req_id in self.passed:
                req_outcome = Outcome.PASS
            else:
                req_outcome = Outcome.SKIP
                text = f"not exercised: {text}" if text else "declared but not exercised by any example of this run"
            result = CheckResult(
                test_id=f"{self.test_id}[{req_id}]",
                requirements=[req_id],
                level=req.level,
                outcome=req_outcome,
                duration_s=duration_s,
                message=text,
                worker=self.worker,
            )
            if failure is not None:
                result.expected = failure.verdict.expected
                result.observed = failure.verdict.observed
                result.example = failure.example
                result.exchanges = failure.exchanges
                result.reproduction = {**reproduction, "case": failure.case}
                if not failure.case:  # a multi-step property: rerun it with its seed instead
                    result.reproduction.pop("replay", None)
                result.message = f"{req_id}: expected {failure.verdict.expected}; observed {failure.verdict.observed}"
            out.append(result)
        for req_id, obs in self.observations.items():
            out.append(
                CheckResult(
                    test_id=f"{self.test_id}[{req_id}]",
                    requirements=[req_id],
                    level=Level.OBSERVE,
                    outcome=Outcome.OBSERVED,
                    duration_s=duration_s,
                    observed="; ".join(sorted(obs.seen)),
                    example=next(iter(obs.seen.values())),
                    message="recorded, not judged",
                    worker=self.worker,
                    by_family={family: sorted(answers) for family, answers in sorted(obs.families.items())},
                )
            )
        return out
