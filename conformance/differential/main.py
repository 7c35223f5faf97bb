"""``ossv-conformance diff``: the command's arguments and its run, start to exit code.

Exit codes: 0 the two endpoints behaved alike on every case, 1 some kind of difference was found (or,
with ``--replay``, reproduced), 2 the diff could not judge (a side's settings, reachability or
credentials, a set-up refused, endless throttling, nothing comparable, a failed cleanup): one line.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from conformance import profiles
from conformance.config import ConfigError, environment
from conformance.differential.cases import DiffCase
from conformance.differential.interrupt import deferred_interrupts
from conformance.differential.options import EXAMPLES
from conformance.differential.run import EXIT_CANNOT_JUDGE, Diff
from conformance.differential.sides import Side, SideSpec, opened
from conformance.errors import HarnessError
from conformance.naming import new_run_id

PROG = "ossv-conformance diff"


def diff_main(ns: argparse.Namespace, environ: Mapping[str, str] | None = None, out: TextIO | None = None) -> int:
    stdout = out or sys.stdout
    env = environment() if environ is None else environ
    specs = (SideSpec("a", ns.a_config, ns.a_env_prefix), SideSpec("b", ns.b_config, ns.b_env_prefix))
    try:
        settings = (specs[0].load(env), specs[1].load(env))
        if ns.examples is not None and ns.examples < 1:
            raise ConfigError(f"--examples: expected a number >= 1, got {ns.examples}")
        if ns.shrink_budget is not None and not ns.shrink_budget >= 0:
            raise ConfigError(f"--shrink-budget: expected seconds >= 0, got {ns.shrink_budget}")
        replaying = _load_replay(ns.replay, ns.kind) if ns.replay else None
        if ns.kind and not ns.replay:
            raise ConfigError("--kind needs --replay DIFF_JSON")
    except (ConfigError, ValueError) as err:
        sys.stderr.write(f"{PROG}: {err}\n")
        return EXIT_CANNOT_JUDGE
    run_id = new_run_id()
    results = Path(ns.report_dir or Path("reports") / "diff" / f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{run_id}")
    diff = Diff(specs, settings, run_id, results.resolve(), stdout)
    sides: list[Side] = []
    code = EXIT_CANNOT_JUDGE
    try:
        with ExitStack() as stack:
            diff.stop = stack.enter_context(deferred_interrupts())  # Ctrl-C stops between cases, then cleans up
            for spec, side_settings in zip(specs, settings, strict=True):
                sides.append(stack.enter_context(opened(spec, side_settings, run_id, diff.ledger_dir)))
            diff.sides = tuple(sides)
            if replaying is not None:
                code = diff.replay(*replaying)
            else:
                seed = ns.seed if ns.seed is not None else secrets.randbits(32)
                examples = ns.examples or EXAMPLES[ns.profile]
                budget = float(profiles.PROFILES[ns.profile]["shrink_budget_s"])
                if ns.shrink_budget is not None:
                    budget = ns.shrink_budget
                code = diff.explore(seed, examples, budget)
    except (ConfigError, HarnessError) as err:
        sys.stderr.write(f"{PROG}: {err}\n")
        code = EXIT_CANNOT_JUDGE
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted (everything the run created was removed, or is listed below)\n")
        code = EXIT_CANNOT_JUDGE
    problems = [f"side {s.label}: {p}" for s in sides for p in s.problems]
    for problem in problems:  # what the end could not remove or found changed: never hidden
        sys.stderr.write(f"{PROG}: {problem}\n")
    if problems:
        diff.record_problems(problems)
        return EXIT_CANNOT_JUDGE
    return code


def _load_replay(path: str, kinds: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The recorded diff and the kinds to replay (all of them without ``--kind``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"--replay: file not found: {path!r}") from None
    except (OSError, ValueError) as err:
        raise ValueError(f"--replay: cannot read {path!r} as JSON: {type(err).__name__}") from None
    recorded = data.get("kinds") if isinstance(data, dict) else None
    if not isinstance(recorded, list):
        raise ValueError(f"--replay: {path!r} is not a diff.json (no kinds)")
    chosen = [k for k in recorded if isinstance(k, dict) and (not kinds or k.get("id") in kinds or k.get("kind") in kinds)]
    if kinds and len(chosen) < len(set(kinds)):
        known = ", ".join(str(k.get("id")) for k in recorded if isinstance(k, dict))
        raise ValueError(f"--kind: not in {path!r} (recorded: {known or 'none'})")
    if not chosen:
        raise ValueError(f"--replay: {path!r} records no difference to replay")
    for kind in chosen:
        kind["case_object"] = DiffCase.from_json(kind.get("case") or {})
    return data, chosen
