"""PROTOTYPE (throwaway): a JobManager look-alike whose engine runs in a child process.

Same signals and the methods MainWindow uses. Updates arrive already batched (<= 1 per frame)
over a socketpair; the GUI thread reads them from a QSocketNotifier and unpickles them.
"""
from __future__ import annotations

import json
import pickle
import socket
import struct
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier, Signal

from fal_desktop.core.jobstore import JobRecord, JobStore
from fal_desktop.jobs.manager import JobManager

HDR = struct.Struct(">I")
CHILD = str(Path(__file__).with_name("engine_child.py"))


def frame(obj) -> bytes:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return HDR.pack(len(data)) + data


class ProcJobManager(QObject):
    job_added = Signal(object)
    job_updated = Signal(object)
    jobs_updated = Signal(object)

    def __init__(self, store: JobStore, hosts, key: str, outputs_dir: Path, *, max_in_flight: int = 16,
                 store_path: Path) -> None:
        super().__init__()
        self.store = store
        self._jobs: dict[str, JobRecord] = {}
        self._closed = False
        self._buf = bytearray()
        self.bytes_in = 0
        self.frames_in = 0
        parent_sock, child_sock = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.proc = subprocess.Popen(
            [sys.executable, CHILD, str(child_sock.fileno()), json.dumps(asdict(hosts)), key,
             str(store_path), str(outputs_dir), str(max_in_flight)],
            pass_fds=(child_sock.fileno(),))
        child_sock.close()
        self._sock = parent_sock
        # wait for ready (blocking, at start-up only)
        self._read_frame_blocking()
        parent_sock.setblocking(False)
        self._notifier = QSocketNotifier(parent_sock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)

    def _read_frame_blocking(self):
        def exact(n):
            b = b""
            while len(b) < n:
                chunk = self._sock.recv(n - len(b))
                if not chunk:
                    raise EOFError
                b += chunk
            return b
        (n,) = HDR.unpack(exact(4))
        return pickle.loads(exact(n))

    def _send(self, obj) -> None:
        self._sock.setblocking(True)
        try:
            self._sock.sendall(frame(obj))
        finally:
            self._sock.setblocking(False)

    def _on_readable(self, *_: Any) -> None:
        while True:
            try:
                chunk = self._sock.recv(1 << 20)
            except BlockingIOError:
                break
            if not chunk:  # child died: a real version would fail/resume jobs and restart it
                self._notifier.setEnabled(False)
                break
            self._buf += chunk
        self.bytes_in += 0
        while len(self._buf) >= 4:
            (n,) = HDR.unpack_from(self._buf)
            if len(self._buf) < 4 + n:
                break
            msg = pickle.loads(bytes(self._buf[4:4 + n]))
            self.bytes_in += 4 + n
            self.frames_in += 1
            del self._buf[:4 + n]
            if msg[0] == "batch":
                self._deliver(msg[1])

    _deliver = JobManager._deliver  # the same hand-over as the in-process manager

    # -- the JobManager surface MainWindow uses --
    def job(self, job_id): return self._jobs.get(job_id)

    def submit(self, endpoint_id, inputs, *, label="", session_id=None, group_id=None):
        return self.submit_many(endpoint_id, [(inputs, label)], session_id=session_id, group_id=group_id)[0]

    def submit_many(self, endpoint_id, items, *, session_id=None, group_id=None):
        return self.submit_runs([(endpoint_id, i, l) for i, l in items], session_id=session_id, group_id=group_id)

    def submit_runs(self, runs, *, session_id=None, group_id=None):
        jobs = [JobRecord(e, i, label=l, session_id=session_id, group_id=group_id) for e, i, l in runs]
        self.store.save_many(jobs)
        self._start(jobs)
        return jobs

    def _start(self, jobs):
        for job in jobs:
            self._jobs[job.id] = job
            self.job_added.emit(job)
        if jobs:
            self._send(("start", jobs))

    def resume_unfinished(self):
        jobs = self.store.unfinished()
        self._start(jobs)
        return jobs

    def retry(self, job_id):
        old = self._jobs.get(job_id) or self.store.get(job_id)
        return None if old is None else self.submit(old.endpoint_id, old.inputs, label=old.label,
                                                    session_id=old.session_id, group_id=old.group_id)

    def cancel(self, job_id):
        job = self._jobs.get(job_id)
        if job is not None and not job.state.finished:
            self._send(("cancel", job_id))

    def pause(self): self._send(("pause",))
    def resume(self): self._send(("resume",))

    def forget(self, job_id):
        job = self._jobs.get(job_id)
        if job is not None and job.state.finished:
            del self._jobs[job_id]

    def clear_finished(self):
        gone = [j for j, job in self._jobs.items() if job.state.finished]
        for j in gone:
            del self._jobs[j]
        return gone

    def shutdown(self):
        if self._closed:
            return
        self._closed = True
        try:
            self._send(("shutdown",))
            self._sock.setblocking(True)
            self._sock.settimeout(10)
            while True:  # drain the last batches
                msg = self._read_frame_blocking()
                if msg[0] == "batch":
                    self._deliver(msg[1])
                elif msg[0] == "bye":
                    break
        except Exception:
            pass
        self.proc.wait(timeout=10)
        self._sock.close()
