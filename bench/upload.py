"""Uploading a 100 MB file: our client's throughput and peak memory, against one raw httpx
PUT of the same file to the same emulator (the baseline), each in its own process.

Fairness: both clients send the same file to the same emulator (whose receiving code is the
same for both), each from its own processes. Each process first makes one untimed request to
the emulator (a one-time cost: lazy imports in the async stack, the connection to the CDN),
then uploads three times, each timing the same span: one call to the REST host (a fresh upload
token for ours, ``initiate`` for the baseline) and the whole body, until the storage answers.
After every upload the stored file is checked against the source, byte for byte, and deleted
before the next starts, so the emulator's disk does not fill up and slow later uploads.
Processes alternate (baseline, ours, ours, baseline, …) so neither side always goes first;
medians are compared.

Prints a table and writes ``bench/results/upload.json``.

    python bench/upload.py [--rounds N] [--cold]

``--cold``: no warm-up request, one upload per process (its first request is timed).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZE = 100 * 1000 * 1000
KEY = "bench:key"
UPLOADS_PER_PROCESS = 3  # each timed alike; more samples, less noise from process start


def _status_mb(field: str) -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _start_rss_mb() -> float:
    """RSS now; on Linux the peak is reset to it, so that the peak measures only what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _status_mb("VmRSS") or _peak_rss_mb()


def _peak_rss_mb() -> float:
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, path: str, hosts: dict[str, str], warm: bool, uploads: int) -> None:
    """Upload ``path`` ``uploads`` times, printing one JSON line per upload and waiting for a
    line on stdin before the next (the parent checks and deletes each stored copy first)."""
    import httpx

    from fal_desktop.api import FalClient, FalHosts

    def report(url: str, seconds: float, base_rss: float) -> None:
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "peak_rss_mb": _peak_rss_mb(),
                    "base_rss_mb": base_rss,
                    "url": url,
                }
            ),
            flush=True,
        )
        sys.stdin.readline()

    if mode == "ours":

        async def go() -> None:
            async with FalClient(KEY, FalHosts(**hosts)) as owner:
                if warm:
                    await owner.http.get(f"{hosts['cdn']}/warm-up")  # a 404; not timed
                for _ in range(uploads):
                    client = FalClient(
                        KEY, FalHosts(**hosts), http=owner.http
                    )  # no token cached yet
                    base = _start_rss_mb()
                    begin = time.perf_counter()  # the upload itself, token request included
                    url = await client.upload_file(Path(path))
                    report(url, time.perf_counter() - begin, base)

        asyncio.run(go())
    else:
        with httpx.Client(timeout=300) as http:
            if warm:
                http.get(f"{hosts['cdn']}/warm-up")  # a 404; not timed
            for _ in range(uploads):
                base = _start_rss_mb()
                start = time.perf_counter()
                info = http.post(
                    f"{hosts['rest']}/storage/upload/initiate?storage_type=gcs",
                    json={"file_name": "raw.bin", "content_type": "application/octet-stream"},
                    headers={"Authorization": f"Key {KEY}"},
                ).json()
                with open(path, "rb") as handle:
                    http.put(info["upload_url"], content=handle).raise_for_status()
                report(info["file_url"], time.perf_counter() - start, base)


def _digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def main() -> int:
    from fal_desktop.emulator import Emulator

    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="each round: two processes of each client, alternating",
    )
    parser.add_argument("--cold", action="store_true", help="no warm-up request before timing")
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"baseline": [], "ours": []}
    with tempfile.TemporaryDirectory() as tmp, Emulator(key=KEY) as emu:
        assert emu.service is not None
        path = Path(tmp) / "big.bin"
        with open(path, "wb") as handle:
            for _ in range(SIZE // (1 << 20)):
                handle.write(os.urandom(1 << 20))
            handle.write(os.urandom(SIZE % (1 << 20)))
        source = _digest(path)
        per_process = 1 if args.cold else UPLOADS_PER_PROCESS
        for round_number in range(args.rounds):
            for mode in ("baseline", "ours", "ours", "baseline"):
                child_process = subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        mode,
                        str(path),
                        json.dumps(emu.urls),
                        "cold" if args.cold else "warm",
                        str(per_process),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                assert child_process.stdin is not None and child_process.stdout is not None
                for _ in range(per_process):
                    run = json.loads(child_process.stdout.readline())
                    stored = emu.service.storage.path_for_url(run["url"])
                    if stored is None or _digest(stored) != source:
                        raise SystemExit(f"{mode}: the emulator did not store the same bytes")
                    shutil.rmtree(stored.parent)  # keep the emulator's disk as it was
                    child_process.stdin.write("next\n")
                    child_process.stdin.flush()
                    run["mb_per_s"] = SIZE / 1e6 / run["seconds"]
                    run["round"] = round_number
                    runs[mode].append(run)
                if child_process.wait() != 0:
                    raise SystemExit(f"{mode}: the client process failed")
    median = {mode: statistics.median(r["mb_per_s"] for r in rs) for mode, rs in runs.items()}
    ratio = median["ours"] / median["baseline"]
    per_round = [
        statistics.median(r["mb_per_s"] for r in runs["ours"] if r["round"] == n)
        / statistics.median(r["mb_per_s"] for r in runs["baseline"] if r["round"] == n)
        for n in range(args.rounds)
    ]
    extra = max(r["peak_rss_mb"] - r["base_rss_mb"] for r in runs["ours"])
    print(
        f"upload of {SIZE / 1e6:.0f} MB to the emulator, separate processes, "
        f"{'cold' if args.cold else 'warm'}, {len(runs['ours'])} uploads each"
    )
    print(f"{'client':<10} {'median MB/s':>12} {'min':>6} {'max':>6} {'peak RSS':>9} {'growth':>7}")
    for name, rs in runs.items():
        speeds = [r["mb_per_s"] for r in rs]
        growth = max(r["peak_rss_mb"] - r["base_rss_mb"] for r in rs)
        print(
            f"{name:<10} {median[name]:>12.0f} {min(speeds):>6.0f} {max(speeds):>6.0f} "
            f"{max(r['peak_rss_mb'] for r in rs):>7.0f}MB {growth:>5.0f}MB"
        )
    print(f"ours / baseline by round: {' '.join(f'{r:.2f}' for r in per_round)}")
    print(
        f"throughput ours / baseline (medians): {ratio:.2f} (target ≥ 0.8); ours grew by {extra:.0f} MB "
        f"while uploading (target ≤ file + 64 MB = {SIZE / 1e6 + 64:.0f} MB)"
    )
    target = Path(__file__).resolve().parent / "results" / "upload.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(
        json.dumps(
            {
                "date": time.strftime("%Y-%m-%d"),
                "size": SIZE,
                "cold": args.cold,
                "runs": runs,
                "median_mb_per_s": median,
                "ratio": ratio,
                "ratio_by_round": per_round,
                "ours_growth_mb": extra,
            },
            indent=2,
        )
    )
    print(f"written {target}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(
            sys.argv[2],
            sys.argv[3],
            json.loads(sys.argv[4]),
            sys.argv[5] == "warm",
            int(sys.argv[6]),
        )
    else:
        sys.exit(main())
