"""``python -m fal_desktop.emulator``: run the local fal until killed.

Prints one JSON line first: the URL of each role (queue, run, rest, cdn, schemas, platform)
and the key it accepts (and ``admin_key`` when one is given).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from fal_desktop.emulator import Emulator


def _fault(text: str) -> tuple[str, float]:
    kind, sep, rate = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError("use KIND=RATE, e.g. 429=0.1 or reset=0.05")
    try:
        return kind.strip(), float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{rate!r} is not a number") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fal_desktop.emulator",
        description="A local fal emulator for tests and demos.",
    )
    parser.add_argument("--key", help="the API key to accept (random if not given)")
    parser.add_argument(
        "--schemas",
        type=Path,
        action="append",
        default=[],
        help="a folder of extra OpenAPI documents named like owner__name.json",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--job-duration", type=float, default=0.5, metavar="S")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--latency", type=float, default=0.0, metavar="S")
    parser.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="KIND=RATE",
        help="inject a fault: 429, 500, 502 (ingress), 503, 503-accepted (a submit "
        "taken but answered with a bare 503), 504 (ingress), 504-accepted (a submit taken, then "
        "nginx's gateway timeout), 307, reset, reset-accepted (a submit taken, then the "
        "connection dropped), 200-garbled (a submit taken, then an unreadable answer) or slow",
    )
    parser.add_argument(
        "--render-once",
        action="store_true",
        help="draw each picture size once and serve copies (benchmarks: keeps the "
        "emulator's drawing off the CPU the client is measured on)",
    )
    parser.add_argument(
        "--refuse",
        action="append",
        default=[],
        metavar="WORD",
        help="refuse prompts containing WORD like a model does on its own "
        "(HTTP 422 with a plain-string detail)",
    )
    parser.add_argument(
        "--out-of-credit",
        action="store_true",
        help="answer submits and storage tokens as fal does for an account out of credit "
        '(403 "User is locked. Reason: Exhausted balance...")',
    )
    parser.add_argument(
        "--retention-scale",
        type=float,
        default=1.0,
        metavar="X",
        help="multiply fal's retention (a result is kept 1 hour after completion, 6 minutes "
        "if 10 KB or larger; then 404 NOT_FOUND), e.g. 0.001 for seconds",
    )
    parser.add_argument(
        "--submit-delay",
        type=float,
        default=0.0,
        metavar="S",
        help="answer each submit S seconds after the job was accepted",
    )
    parser.add_argument(
        "--admin-key", help="also accept this key with ADMIN scope (the account balance)"
    )
    parser.add_argument(
        "--catalog-size",
        type=int,
        default=0,
        metavar="N",
        help="add N synthetic models to the Platform API's catalog (benchmarks)",
    )
    parser.add_argument(
        "--estimate-limit",
        type=int,
        default=3,
        metavar="N",
        help="answer 429 with Retry-After after N price estimates in 10 s, as fal "
        "does (default 3; 0: no limit)",
    )
    args = parser.parse_args(argv)

    emulator = Emulator(
        key=args.key,
        schema_dirs=args.schemas,
        host=args.host,
        job_duration=args.job_duration,
        workers=args.workers,
        render_once=args.render_once,
        admin_key=args.admin_key,
        catalog_size=args.catalog_size,
        retention_scale=args.retention_scale,
        out_of_credit=args.out_of_credit,
        submit_delay=args.submit_delay,
    )
    try:
        emulator.set_faults(dict(args.fault), latency=args.latency)
    except ValueError as exc:
        parser.error(str(exc))
    for word in args.refuse:
        emulator.refuse(word)
    emulator.start()
    assert emulator.platform is not None
    emulator.platform.estimate_limit = args.estimate_limit or None
    extra = {"admin_key": args.admin_key} if args.admin_key else {}
    print(json.dumps({**emulator.hosts.as_dict(), "key": emulator.key, **extra}), flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
