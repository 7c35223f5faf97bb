"""The run's state, typed: what the controller decides once, and what each process keeps while it runs.

``SharedRun`` is what every process of one run shares (the controller makes it; xdist workers
receive it as JSON in their ``workerinput``). ``RunState`` is one process's view, kept in
``config.stash[STATE]``: the settings, the shared facts, the expectations, the driver, the event
sink, and on the controller the progress tally and the text printed at the very end.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.accounting import RequestTally
from conformance.config import Settings
from conformance.expectations import Expectations
from conformance.naming import new_run_id
from conformance.records import CheckResult

if TYPE_CHECKING:
    from conformance.arenas import Keeper
    from conformance.recorder import Recorder
    from conformance.reporting.reference import Reference
    from conformance.reporting.sink import EventSink
    from conformance.reporting.terminal import Progress

CONTROLLER = "main"  # the worker name of the controller (or of the only process, without xdist)
WORKERINPUT_KEY = "ossv"  # where the shared facts travel in xdist's workerinput


@dataclass(frozen=True)
class SharedRun:
    """The run id, results directory, seed, start time, rate-budget file and argv: one value per run."""

    run_id: str
    run_dir: Path
    seed: int
    started_at: str
    budget_path: str | None
    argv: tuple[str, ...]

    @classmethod
    def decide(cls, config: pytest.Config, settings: Settings) -> SharedRun:
        """The controller's choice (run id, seed, results directory, created here)."""
        from conformance.reporting.runinfo import utc_now_iso

        run_id = config.getoption("ossv_run_id") or new_run_id()
        seed_opt = config.getoption("hypothesis_seed", None)
        seed = int(seed_opt) if seed_opt is not None and str(seed_opt).isdigit() else random.SystemRandom().randrange(2**32)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        run_dir = Path(settings.report_dir or Path("reports") / _target_dir(settings) / f"{stamp}-{run_id}").resolve()
        run_dir.mkdir(parents=True, exist_ok=True)
        if settings.report_dir:
            _clear_previous_outputs(run_dir)
        return cls(
            run_id=str(run_id),
            run_dir=run_dir,
            seed=seed,
            started_at=utc_now_iso(),
            budget_path=str(run_dir / ".rate-budget") if settings.max_rps else None,
            argv=tuple(str(a) for a in config.invocation_params.args),
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "run_id": self.run_id,
                "run_dir": str(self.run_dir),
                "seed": self.seed,
                "started_at": self.started_at,
                "budget_path": self.budget_path,
                "argv": list(self.argv),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> SharedRun:
        data = json.loads(text)
        return cls(
            run_id=str(data["run_id"]),
            run_dir=Path(data["run_dir"]),
            seed=int(data["seed"]),
            started_at=str(data["started_at"]),
            budget_path=None if data["budget_path"] is None else str(data["budget_path"]),
            argv=tuple(str(a) for a in data["argv"]),
        )


def _clear_previous_outputs(run_dir: Path) -> None:
    """A reused ``--report-dir`` starts empty of the last run's records: merged with this run's, they would
    change its verdict. The ledger stays (a crashed run's leftovers are still to be removed)."""
    import shutil

    from conformance.reporting.files import EVENTS_DIR, HTML_FILE, JUNIT_FILE, RESULTS_FILE, SUMMARY_FILE
    from conformance.reporting.requests import REQUESTS_DIR

    for name in (EVENTS_DIR, REQUESTS_DIR):
        shutil.rmtree(run_dir / name, ignore_errors=True)
    for name in (RESULTS_FILE, SUMMARY_FILE, HTML_FILE, JUNIT_FILE, "baseline-diff.md", ".rate-budget"):
        (run_dir / name).unlink(missing_ok=True)


def _target_dir(settings: Settings) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", settings.target or "target")


@dataclass
class Tally:
    """What the controller has seen of finished tests: the progress line's numbers."""

    done: int = 0
    requests: int = 0
    failures: int = 0
    examples: int = 0
    total: int | None = None  # tests collected (by the workers, under xdist)


@dataclass
class RunState:
    """One process's view of the run."""

    settings: Settings
    shared: SharedRun
    worker: str
    expectations: Expectations
    requirement_filter: list[str]
    filtered: bool  # -k, -m or --requirement: unmatched expectations entries are not an error then
    driver: str
    baseline: Path | None = None
    reference: Reference | None = None  # --ossv-reference, loaded by the controller before anything runs
    record_reference: Path | None = None
    fail_on_reference_diff: bool = False
    tally: Tally = field(default_factory=Tally)
    progress: Progress | None = None
    sink: EventSink | None = None
    requests: RequestTally = field(default_factory=RequestTally)  # every request this process sent
    test_requests: dict[str, tuple[Counter[tuple[str, str]], int]] = field(default_factory=dict)  # test -> (sent, judged)
    previous_handlers: dict[int, Any] = field(default_factory=dict)  # signal -> the handler before the run's
    interrupted: bool = False  # a Ctrl-C or SIGTERM arrived (even if something swallowed its KeyboardInterrupt)
    keepers: dict[int, Keeper] = field(default_factory=dict)  # id(target) -> the held worlds its tests share
    terminal_text: str | None = None  # the summary table and failure lines, printed last

    @property
    def is_controller(self) -> bool:
        return self.worker == CONTROLLER

    @property
    def run_id(self) -> str:
        return self.shared.run_id

    @property
    def run_dir(self) -> Path:
        return self.shared.run_dir

    @property
    def seed(self) -> int:
        return self.shared.seed

    def emit(self, result: CheckResult) -> None:
        if self.sink is None:
            from conformance.reporting.sink import EventSink

            self.sink = EventSink(self.run_dir, self.worker)
        self.sink.emit(result)

    def write_requests(self) -> None:
        """This process's request accounting, for the controller to merge (nothing when it sent nothing)."""
        if not self.requests.total:
            return
        from conformance.reporting.requests import write_process_requests

        write_process_requests(self.run_dir, self.worker, self.requests.copy(), self.test_requests)

    def close_sink(self) -> None:
        if self.sink is not None:
            self.sink.close()
            self.sink = None


STATE = pytest.StashKey[RunState]()
RECORDER: pytest.StashKey[Recorder] = pytest.StashKey()


def state_of(config: pytest.Config) -> RunState | None:
    """The run's state, or None when the suite is not active in this pytest run."""
    return config.stash.get(STATE, None)
