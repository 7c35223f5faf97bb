"""The arguments of ``ossv-conformance diff`` (kept apart so the CLI builds its parser cheaply)."""

from __future__ import annotations

import argparse

from conformance import profiles

EXAMPLES: dict[str, int] = {profiles.QUICK: 100, profiles.DEFAULT: 400, profiles.NIGHTLY: 2000}
"""Cases per profile (each is one request under test on each side, plus its world's set-up and read-back)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for label in ("a", "b"):
        parser.add_argument(f"--{label}-config", metavar="FILE", help=f"side {label}'s TOML settings file")
        parser.add_argument(
            f"--{label}-env-prefix",
            metavar="PREFIX",
            help=f"side {label}'s environment variables: OSSV_X / OSS_X named PREFIX+X (OSSV_ means the ordinary names); "
            "a side with neither flag, or without an endpoint, is the bundled emulator",
        )
    parser.add_argument("--profile", choices=profiles.NAMES, default=profiles.DEFAULT, help="cases: " + ", ".join(
        f"{name} {n}" for name, n in EXAMPLES.items()))
    parser.add_argument("--examples", type=int, metavar="N", help="generated cases (overrides --profile)")
    parser.add_argument("--seed", type=int, help="Hypothesis seed (printed on every run)")
    parser.add_argument(
        "--shrink-budget", type=float, metavar="SECONDS", help="time to shrink each kind (default: the profile's)"
    )
    parser.add_argument("--report-dir", help="where diff.json goes (default reports/diff/<time>-<run id>/)")
    parser.add_argument("--replay", metavar="DIFF_JSON", help="re-send a recorded kind's case to both sides instead")
    parser.add_argument("--kind", action="append", default=[], metavar="ID", help="with --replay: the kind (K1, or its name)")
