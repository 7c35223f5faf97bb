"""One diff over two opened sides: explore and shrink, or replay recorded kinds; print and record it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from conformance.config import Settings
from conformance.differential.explore import Found, explore, merged, shrink
from conformance.differential.interrupt import StopRequest
from conformance.differential.pair import Outcome, Pair
from conformance.differential.report import PROG, RunFacts, describe_case, text, to_json, write_json
from conformance.differential.sides import Side, SideSpec

EXIT_SAME, EXIT_DIFFERENT, EXIT_CANNOT_JUDGE = 0, 1, 2


@dataclass
class Diff:
    specs: tuple[SideSpec, SideSpec]
    settings: tuple[Settings, Settings]
    run_id: str
    results_dir: Path
    out: TextIO
    sides: tuple[Side, ...] = ()
    stop: StopRequest = field(default_factory=StopRequest)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ledger_dir(self) -> Path:
        return self.results_dir / "ledger"

    def _print(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def _pair(self) -> Pair:
        a, b = self.sides
        return Pair(a, b, stop=self.stop)

    def _facts(self, seed: int, examples: int) -> RunFacts:
        a, b = self.sides
        return RunFacts(
            self.run_id,
            seed,
            examples,
            self.specs,
            (a.description, b.description),
            (a.settings.redacted(), b.settings.redacted()),
            self.results_dir,
        )

    def key_prefix(self) -> str:
        """Keys carry the run's prefix when a side works inside a user's bucket (OSSV_BUCKET), as in ``run``."""
        if any(s.settings.bucket for s in self.sides):
            return self.sides[0].target.names.index_prefix + "-"
        return ""

    def explore(self, seed: int, examples: int, shrink_budget_s: float) -> int:
        pair = self._pair()
        prefix = self.key_prefix()
        self._print(f"{PROG}: a = {self.sides[0].description}, b = {self.sides[1].description}; seed {seed}, {examples} cases")
        found = explore(pair, examples, seed, prefix)
        explored = {"cases_compared": pair.compared, "cases_not_sent": pair.cases - pair.compared}
        kinds = merged(shrink(pair, f, shrink_budget_s, prefix) for f in found.values())
        if pair.compared == 0:
            raise_line = f"no case could be sent to both sides ({'; '.join(pair.not_sent) or 'none generated'})"
            self._print(f"{PROG}: cannot judge: {raise_line}")
            return EXIT_CANNOT_JUDGE
        totals = {
            **explored,
            "requests_under_test": 2 * explored["cases_compared"],
            "requests_total": pair.requests_total,
            "shrink_cases": pair.cases - explored["cases_compared"] - explored["cases_not_sent"],
            "not_sent": pair.not_sent,
        }
        facts = self._facts(seed, examples)
        code = EXIT_DIFFERENT if kinds else EXIT_SAME
        for line in text(facts, kinds, totals):
            self._print(line)
        self.data = to_json(facts, kinds, totals, code, [])
        path = write_json(facts, self.data)
        self._print(f"results: {path}")
        return code

    def replay(self, recorded: dict[str, Any], kinds: list[dict[str, Any]]) -> int:
        pair = self._pair()
        reproduced = 0
        different = 0
        for kind in kinds:
            outcome: Outcome = pair.run(kind["case_object"])
            name = str(kind.get("kind"))
            self._print(f"{kind.get('id')}  {name}")
            for line in describe_case(outcome.case):
                self._print(f"    {line}")
            if outcome.not_sent is not None:
                self._print(f"    not sent: {outcome.not_sent}")
                continue
            if name in outcome.kinds:
                reproduced += 1
            for d in outcome.differences:
                different += 1
                self._print(f"    {'reproduced' if d.kind == name else 'also'}: {d.kind}: {d.detail}")
            if not outcome.differences:
                self._print("    no difference now")
        total = len(kinds)
        if reproduced or different:
            self._print(f"{PROG}: {reproduced} of {total} recorded kind(s) reproduced")
            return EXIT_DIFFERENT
        if pair.compared < total:
            self._print(f"{PROG}: cannot judge: {total - pair.compared} of {total} case(s) could not be sent to both sides")
            return EXIT_CANNOT_JUDGE
        self._print(f"{PROG}: none of {total} recorded kind(s) reproduced: the two endpoints now behave alike there")
        return EXIT_SAME

    def record_problems(self, problems: list[str]) -> None:
        """A failed cleanup or a changed canary goes into diff.json too (the exit code becomes 2)."""
        if not self.data:
            return
        self.data["problems"] = problems
        self.data["exit_code"] = EXIT_CANNOT_JUDGE
        path = self.results_dir / "diff.json"
        path.write_text(json.dumps(self.data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


__all__ = ["EXIT_CANNOT_JUDGE", "EXIT_DIFFERENT", "EXIT_SAME", "Diff", "Found"]
