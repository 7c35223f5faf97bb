"""``ossv-conformance``: run the suite, compare runs, replay a failure, list the requirements.

``run`` is a thin layer over pytest with the suite's plugin: it validates the configuration
first (a bad setting is one line and exit 2, never a traceback), then hands pytest the
options. Its setting flags (``--endpoint``, ``--profile``, ...) come from the settings table
(``conformance.config.RUN_SETTINGS``), the profile and driver names from ``conformance.profiles``
and ``conformance.drivers``. Exit codes: 0 conformant, 1 non-conformance found, 2 the harness
could not judge, 6 conformant but an OBSERVE answer differs from ``--reference`` (only with
``--fail-on-reference-diff``; pytest's own codes are 3 to 5).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from conformance import profiles
from conformance.config import CONFIG_ENV, RUN_SETTINGS, ConfigError, Settings, load_settings
from conformance.drivers import DEFAULT_DRIVER, DRIVERS, SDK

EXIT_ERROR = 2
EXIT_REFERENCE_DIFF = 6  # conformant, but an OBSERVE answer differs from --reference (with --fail-on-reference-diff)
EXIT_CODES = (0, 1, EXIT_ERROR, EXIT_REFERENCE_DIFF)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(EXIT_ERROR)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ossv-conformance", description="Conformance suite for the OSS Vectors DeleteVectors API")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run the suite (the bundled emulator unless an endpoint is configured)")
    for setting in RUN_SETTINGS:  # the settings table's flags; secrets have none
        assert setting.run_flag is not None
        if setting.switch:
            run.add_argument(setting.run_flag, dest=setting.name, action="store_true", default=None, help=setting.flag_help)
        else:
            metavar = None if setting.choices else setting.run_flag.lstrip("-").replace("-", "_").upper()
            run.add_argument(
                setting.run_flag, dest=setting.name, choices=setting.choices, metavar=metavar, help=setting.flag_help
            )
    run.add_argument("--config", help=f"TOML settings file (env {CONFIG_ENV})")
    run.add_argument("-n", "--workers", default=None, help="pytest-xdist workers (a number or 'auto'); the rate budget is shared")
    run.add_argument("-k", dest="keyword", help="only checks whose name matches this pytest -k expression")
    run.add_argument(
        "--requirement", action="append", default=[], metavar="ID", help="only checks of this requirement (repeatable)"
    )
    run.add_argument("--seed", type=int, help="Hypothesis seed (printed on every run)")
    run.add_argument("--baseline", help="compare with this earlier results directory; exit 1 on regression")
    run.add_argument(
        "--reference",
        metavar="FILE",
        help="list every OBSERVE answer that differs from this reference profile ('emulator': the bundled emulator's)",
    )
    run.add_argument("--record-reference", metavar="FILE", help="write this run's OBSERVE answers as a reference profile")
    run.add_argument(
        "--fail-on-reference-diff",
        action="store_true",
        help=f"exit {EXIT_REFERENCE_DIFF} instead of 0 when an answer differs from the --reference profile",
    )
    run.add_argument("--expectations", help="expectations TOML for this target (default: expectations/<target>.toml)")
    run.add_argument("--driver", choices=DRIVERS, default=DEFAULT_DRIVER, help="send through the raw client or the official SDK")
    run.add_argument("-x", "--exitfirst", action="store_true", help="stop at the first failing check")
    run.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")

    compare = sub.add_parser("compare", help="compare two results directories")
    compare.add_argument("base")
    compare.add_argument("new")
    compare.add_argument("--format", choices=("markdown", "json"), default="markdown")
    compare.add_argument("--out", help="where compare.html and compare.md/.json go (default: the NEW results directory)")

    replay = sub.add_parser("replay", help="re-send a failure's request and judge it again (no Hypothesis)")
    replay.add_argument("run_dir")
    replay.add_argument("--check", help="the check id (default: every failure of the run)")
    replay.add_argument("--config", help="TOML settings file for the target (default: as configured)")

    from conformance.differential.options import add_arguments as add_diff_arguments

    add_diff_arguments(sub.add_parser("diff", help="send the same generated cases to two endpoints and group what differs"))

    sub.add_parser("requirements", help="list the requirement catalog")
    sub.add_parser("settings", help="list every setting: TOML key, environment variable, default")

    matrix = sub.add_parser("matrix", help="run every installed driver and print a compatibility table")
    matrix.add_argument("--profile", choices=profiles.NAMES, default=profiles.QUICK)
    matrix.add_argument("--report-dir", help="where the matrix and each driver's run go")
    matrix.add_argument("--config", help="TOML settings file")
    matrix.add_argument(
        "--sdk",
        action="append",
        default=[],
        metavar="RELEASE",
        help="SDK column(s): 'installed' (default), 'minors' (newest patch of each minor release with the vectors client), "
        "a minor release (1.3) or a release (1.3.2); repeatable",
    )
    matrix.add_argument("--cache-dir", help="where SDK releases are installed (default ~/.cache/ossv-conformance/sdk)")
    return parser


def _run_args(ns: argparse.Namespace) -> tuple[dict[str, object], list[str]]:
    """Settings overrides for validation, and the pytest argument list."""
    overrides: dict[str, object] = {s.name: getattr(ns, s.name) for s in RUN_SETTINGS}
    args = ["--pyargs", "conformance.suite", "-p", "no:cacheprovider", "-p", "no:warnings", "-q", "--no-header", "-rN", "--tb=no"]
    for setting in RUN_SETTINGS:
        value = overrides[setting.name]
        if value is not None:
            args += [setting.flag, "true" if value is True else str(value)]
    overrides["config"] = ns.config
    if ns.config is not None:
        args += ["--ossv-config", str(ns.config)]
    if ns.workers is not None:
        args += ["-n", str(ns.workers)]
    if ns.keyword:
        args += ["-k", ns.keyword]
    for req in ns.requirement:
        args += ["--ossv-requirement", req]
    if ns.seed is not None:
        args += ["--hypothesis-seed", str(ns.seed)]
    if ns.baseline:
        args += ["--ossv-baseline", ns.baseline]
    if ns.reference:
        args += ["--ossv-reference", ns.reference]
    if ns.record_reference:
        args += ["--ossv-record-reference", ns.record_reference]
    if ns.fail_on_reference_diff:
        args += ["--ossv-fail-on-reference-diff"]
    if ns.expectations:
        args += ["--ossv-expectations", ns.expectations]
    if ns.exitfirst:
        args += ["-x"]
    if ns.driver != DEFAULT_DRIVER:
        args += ["--ossv-driver", ns.driver]
    if sys.stderr.isatty():
        args += ["--ossv-progress", "-o", "console_output_style=classic"]
    return overrides, [*args, *ns.pytest_args]


def preflight(settings: Settings) -> str | None:
    """One signed request before anything else (conformance/preflight.py); the bundled emulator needs none."""
    if settings.uses_emulator:
        return None
    from conformance.client import RawClient
    from conformance.preflight import endpoint_problem

    with RawClient(settings) as client:
        return endpoint_problem(settings, client)


def reference_problem(ns: argparse.Namespace) -> str | None:
    """The reference options checked before anything runs: a bad file is one line, not a finished run."""
    if ns.fail_on_reference_diff and not ns.reference:
        return "--fail-on-reference-diff needs --reference FILE"
    if ns.reference:
        from conformance.reporting.reference import ReferenceError, load_reference

        try:
            load_reference(ns.reference)
        except ReferenceError as err:
            return str(err)
    if ns.record_reference:
        from pathlib import Path

        parent = Path(ns.record_reference).resolve().parent
        if not parent.is_dir():
            return f"--record-reference {ns.record_reference}: no such directory: {parent}"
    return None


def run(ns: argparse.Namespace) -> int:
    overrides, args = _run_args(ns)
    try:
        settings = load_settings({k: v for k, v in overrides.items()})
    except ConfigError as err:
        sys.stderr.write(f"ossv-conformance: {err}\n")
        return EXIT_ERROR
    problem = reference_problem(ns)
    if problem:
        sys.stderr.write(f"ossv-conformance: {problem}\n")
        return EXIT_ERROR
    problem = preflight(settings)
    if problem:
        sys.stderr.write(f"ossv-conformance: {problem}\n")
        return EXIT_ERROR
    if ns.driver == SDK:
        from conformance.drivers import sdk_available

        problem = sdk_available()
        if problem:
            sys.stderr.write(f"ossv-conformance: --driver sdk: {problem}\n")
            return EXIT_ERROR
    import pytest

    code = int(pytest.main(args))
    return code if code in EXIT_CODES else EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    ns = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        if ns.command == "run":
            return run(ns)
        if ns.command == "compare":
            from conformance.reporting.compare import compare_main

            return compare_main([ns.base, ns.new, "--format", ns.format, *(["--out", ns.out] if ns.out else [])])
        if ns.command == "replay":
            from conformance.replay import replay_main

            return replay_main(ns.run_dir, ns.check, ns.config)
        if ns.command == "diff":
            from conformance.differential.main import diff_main

            return diff_main(ns)
        if ns.command == "requirements":
            from conformance.catalog import CATALOG

            print("| ID | Level | Requirement | Source |\n|---|---|---|---|")
            for r in CATALOG:
                print(f"| {r.id} | {r.level.value} | {r.title} | {r.source} |")
            return 0
        if ns.command == "settings":
            from conformance.config import settings_table_markdown

            print(settings_table_markdown())
            return 0
        if ns.command == "matrix":
            from conformance.matrix import matrix_main

            return matrix_main(ns.profile, ns.report_dir, ns.config, ns.sdk, ns.cache_dir)
    except ConfigError as err:
        sys.stderr.write(f"ossv-conformance: {err}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("ossv-conformance: interrupted\n")
        return EXIT_ERROR
    return EXIT_ERROR


if __name__ == "__main__":
    raise SystemExit(main())
