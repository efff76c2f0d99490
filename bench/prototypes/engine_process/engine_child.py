"""PROTOTYPE (throwaway): the jobs engine in its own process.

    python engine_child.py FD HOSTS_JSON KEY STORE_PATH OUTPUTS_DIR MAX_IN_FLIGHT

Talks to the parent over the inherited socket FD: frames are 4-byte big-endian length + pickle.
Parent -> child: ("start", [JobRecord, ...]) | ("cancel", id) | ("pause",) | ("resume",) | ("shutdown",)
Child -> parent: ("ready",) | ("batch", [JobUpdate, ...]) (at most one per frame) | ("bye",)
"""
from __future__ import annotations

import asyncio
import ctypes
import gc
import json
import pickle
import signal
import socket
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository

# die with the parent (Linux only; Windows would need a Job Object, macOS a kqueue/pipe watch)
try:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
except OSError:
    pass

from fal_desktop.api import FalClient, FalHosts  # noqa: E402
from fal_desktop.core.jobstore import JobState, JobStore  # noqa: E402
from fal_desktop.core.secrets import ApiKeyStore  # noqa: E402
from fal_desktop.jobs.runner import JobContext, cancel_job, run_job  # noqa: E402

FRAME_SECONDS = 1 / 60
HDR = struct.Struct(">I")


def frame(obj) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return HDR.pack(len(data)) + data


async def main() -> None:
    fd, hosts_json, key, store_path, outputs, max_in_flight = sys.argv[1:7]
    sock = socket.socket(fileno=int(fd))
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    hosts = FalHosts(**json.loads(hosts_json))
    keys = ApiKeyStore(environ={"FAL_KEY": key})
    store = JobStore(store_path)  # same SQLite file as the parent's, WAL mode
    pending: list = []
    state = {"scheduled": False, "last": 0.0}
    loop = asyncio.get_running_loop()

    def flush() -> None:
        batch, pending[:] = list(pending), []
        state["scheduled"] = False
        state["last"] = time.monotonic()
        if batch:
            writer.write(frame(("batch", batch)))

    def emit(update) -> None:
        pending.append(update)
        if not state["scheduled"]:
            state["scheduled"] = True
            loop.call_later(max(0.0, state["last"] + FRAME_SECONDS - time.monotonic()), flush)

    ctx = JobContext(FalClient(keys.get, hosts), store, Path(outputs), emit)
    slots = asyncio.Semaphore(int(max_in_flight))
    go = asyncio.Event()
    go.set()
    tasks: dict[str, asyncio.Task] = {}
    jobs: dict = {}

    def start(job) -> None:
        async def guarded() -> None:
            if job.state is JobState.PENDING:
                await go.wait()
            async with slots:
                if job.state is JobState.PENDING:
                    await go.wait()
                await run_job(ctx, job)
        jobs[job.id] = job
        t = loop.create_task(guarded())
        tasks[job.id] = t
        t.add_done_callback(lambda _t, jid=job.id: tasks.pop(jid, None))

    gc.collect(); gc.freeze(); gc.set_threshold(10_000, 50, 50)  # as settle_memory
    writer.write(frame(("ready",)))
    while True:
        try:
            (n,) = HDR.unpack(await reader.readexactly(4))
            msg = pickle.loads(await reader.readexactly(n))
        except (asyncio.IncompleteReadError, ConnectionError):
            msg = ("shutdown",)  # parent gone
        kind = msg[0]
        if kind == "start":
            for job in msg[1]:
                start(job)
        elif kind == "cancel":
            t = tasks.pop(msg[1], None)
            if t:
                t.cancel()
            if msg[1] in jobs:
                loop.create_task(cancel_job(ctx, jobs[msg[1]]))
        elif kind == "pause":
            go.clear()
        elif kind == "resume":
            go.set()
        elif kind == "shutdown":
            for t in list(tasks.values()):
                t.cancel()
            await asyncio.gather(*tasks.values(), return_exceptions=True)
            flush()
            try:
                await ctx.client.aclose()
            except Exception:
                pass
            store.close()
            try:
                writer.write(frame(("bye",)))
                await writer.drain()
                writer.close()
            except Exception:
                pass
            return


if __name__ == "__main__":
    asyncio.run(main())
