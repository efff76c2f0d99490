"""When a dead jobs engine is started again, and the log lines its successor repeats."""

from __future__ import annotations

from fal_desktop.core.jobstore import JobState
from fal_desktop.jobs.events import JobUpdate, LogEntry
from fal_desktop.jobs.restarts import ReplayedLogs, RestartPolicy


def test_an_engine_that_keeps_dying_waits_longer_each_time_within_a_minute():
    now = [100.0]
    policy = RestartPolicy(clock=lambda: now[0])
    assert policy.died() == 0.0 and not policy.keeps_dying
    assert [policy.died() for _ in range(4)] == [1.0, 5.0, 30.0, 30.0]
    assert policy.keeps_dying
    now[0] += 61  # a minute later it is a first death again
    assert policy.died() == 0.0 and not policy.keeps_dying


def _logs(job_id, *lines, state=JobState.RUNNING):
    return JobUpdate(job_id, state, new_logs=tuple(LogEntry(line) for line in lines))


def test_lines_a_restarted_engine_repeats_are_dropped_once():
    replayed = ReplayedLogs()
    replayed.filter([_logs("a", "1", "2"), _logs("b", "1")])
    replayed.restarted(["a", "b"])
    out = replayed.filter([_logs("a", "1"), _logs("a", "2", "3"), _logs("b", "1", "2")])
    assert [[e.message for e in u.new_logs] for u in out] == [[], ["3"], ["2"]]
    assert replayed.filter([_logs("a", "4")])[0].new_logs[0].message == "4"
