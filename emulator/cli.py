"""``ossv-emulator``: run the emulator from a shell until SIGINT/SIGTERM.

The URL is the first stdout line (flushed) so scripts can read it; with no ``--cred`` a
random identity is generated and printed on the second line for humans.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from .auth import Identity
from .faults import FAULTS, validate_fault_names
from .options import parse_option_assignment, resolve_options
from .server import EmulatorConfig, EmulatorServer


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors on one line without usage noise."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"ossv-emulator: error: {message}\n")
        raise SystemExit(2)


def _parser() -> _Parser:
    p = _Parser(prog="ossv-emulator", description="Local emulator of the Alibaba Cloud OSS Vectors service.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--cred", action="append", default=[], metavar="AK:SECRET:ACCOUNTID")
    p.add_argument("--sts", action="append", default=[], metavar="AK:SECRET:TOKEN:ACCOUNTID")
    p.add_argument("--region", default="cn-hangzhou")
    p.add_argument("--qps-limit", type=float, default=None, metavar="N")
    p.add_argument("--data", default=None, metavar="FILE", help="SQLite file that survives restarts")
    p.add_argument("--fault", nargs="+", action="extend", default=[], metavar="NAME")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--list-faults", action="store_true", help="print fault names with descriptions and exit")
    return p


def _account(value: str, spec: str) -> str:
    if not (value.isascii() and value.isdigit()):
        raise ValueError(f"account id must be digits in {spec!r}")
    return value


def _identities(args: argparse.Namespace) -> tuple[list[Identity], bool]:
    idents: list[Identity] = []
    for spec in args.cred:
        parts = spec.split(":")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"--cred must be AK:SECRET:ACCOUNTID, got {spec!r}")
        idents.append(Identity(parts[0], parts[1], _account(parts[2], spec)))
    for spec in args.sts:
        parts = spec.split(":")
        if len(parts) != 4 or not all(parts):
            raise ValueError(f"--sts must be AK:SECRET:TOKEN:ACCOUNTID, got {spec!r}")
        idents.append(Identity(parts[0], parts[1], _account(parts[3], spec), security_token=parts[2]))
    generated = not idents
    if generated:
        account = str(secrets.randbelow(9 * 10**15) + 10**15)
        idents.append(Identity("LTAI" + secrets.token_hex(8), secrets.token_urlsafe(24).replace(":", "_"), account))
    return idents, generated


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        width = max(len(n) for n in FAULTS)
        try:
            for name, fault in FAULTS.items():
                print(f"{name:<{width}}  {fault.description}")
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head: silence the flush at interpreter exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    try:
        identities, generated = _identities(args)
        options = dict(parse_option_assignment(o) for o in args.option)
        resolve_options(options)
        faults = validate_fault_names(args.fault)
        if args.qps_limit is not None and args.qps_limit < 1:
            raise ValueError("--qps-limit must be >= 1")
        if not 0 <= args.port <= 65535:
            raise ValueError("--port must be in 0..65535")
        config = EmulatorConfig(identities=identities, region=args.region, qps_limit=args.qps_limit,
                                data_path=args.data, faults=faults, options=options)
        server = EmulatorServer(config, host=args.host, port=args.port)
        server.start()
    except (ValueError, OSError, RuntimeError) as exc:
        parser.error(str(exc))
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        print(server.url, flush=True)
        if generated:
            ident = identities[0]
            print(f"credentials: {ident.access_key_id}:{ident.access_key_secret}:{ident.account_id}", flush=True)
        while not stop.wait(0.2):
            pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
