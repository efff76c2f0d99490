"""The one helper for background work: answers come back on the GUI thread, errors as data."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QCoreApplication, QObject, QThread

from fal_desktop.widgets.background import Background


def test_work_runs_on_a_worker_and_answers_on_the_gui_thread(qtbot):
    owner = QObject()
    work = Background(owner)
    seen = []
    work.run(
        lambda a, b: (threading.get_ident(), a + b),
        2,
        3,
        done=lambda answer: seen.append((answer, QThread.currentThread())),
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    (worker, total), thread = seen[0]
    assert total == 5
    assert worker != threading.get_ident() and thread is owner.thread()


def test_an_error_goes_to_failed_or_else_to_the_excepthook(qtbot, monkeypatch):
    work = Background()
    failures, hooked = [], []

    def boom():
        raise ValueError("no such file")

    work.run(boom, failed=failures.append)
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: hooked.append(exc))
    work.run(boom)
    qtbot.waitUntil(lambda: bool(failures and hooked), timeout=5000)
    assert str(failures[0]) == "no such file" and isinstance(hooked[0], ValueError)


def test_one_thread_keeps_calls_in_order_and_stop_drops_the_queued_ones(qtbot):
    work = Background(threads=1)
    gate, order = threading.Event(), []
    work.run(gate.wait, 10)
    for number in range(5):
        work.run(order.append, number)
    gate.set()
    assert work.wait(5000) and order == [0, 1, 2, 3, 4]
    gate.clear()
    work.run(gate.wait, 10)
    work.run(order.append, "dropped")
    threading.Timer(0.2, gate.set).start()
    work.stop()
    assert "dropped" not in order


def test_answers_for_a_deleted_owner_are_dropped(qtbot):
    """Closing waits for the call under way; its answer is not delivered to the dead owner."""
    owner = QObject()
    work = Background(owner)
    gate, answered, finished = threading.Event(), [], threading.Event()
    work.run(lambda: gate.wait(10) and finished.set(), done=answered.append)
    threading.Timer(0.2, gate.set).start()
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(work), timeout=15000)
    assert finished.is_set()  # the call ran to its end before the owner went
    QCoreApplication.sendPostedEvents()  # every answer still queued is delivered now
    assert answered == []


def _alive(obj: QObject) -> bool:
    try:
        obj.objectName()
    except RuntimeError:
        return False
    return True


def test_garbage_is_collected_on_the_gui_thread_only(qtbot):
    """A worker allocating past the thresholds no longer collects (it would free a Qt object
    on the wrong thread); the GUI thread's timer does, and finds what was unreachable."""
    import gc

    from fal_desktop.widgets.collector import GuiThreadCollector

    collector = GuiThreadCollector(interval_ms=10)
    try:
        assert not gc.isenabled()
        freed = threading.Event()

        class Cycle:
            def __del__(self):
                freed.set()

        def make_cycle() -> None:
            a, b = Cycle(), Cycle()
            a.other, b.other = b, a

        work = Background()
        work.run(lambda: [make_cycle() for _ in range(20000)] and None)  # far past threshold 0
        assert work.wait(10000)
        assert not freed.is_set()  # the worker did not collect
        qtbot.waitUntil(freed.is_set, timeout=5000)  # the GUI thread's timer did
    finally:
        collector.stop()


def test_a_full_collection_waits_for_a_quarter_more_long_lived_objects():
    """As Python's own rule: with a big, lasting heap (a session of 10,000 runs loaded) the
    oldest generation is collected only once a quarter as many objects again reached it, not
    at every tenth younger collection; that collection still frees the cycles there."""
    import gc
    import weakref

    from fal_desktop.widgets.collector import GuiThreadCollector

    class Cycle:
        other: object = None

    heap = [[n] for n in range(500_000)]  # what stays loaded
    gc.collect()
    collector = GuiThreadCollector(interval_ms=10_000_000)  # its ticks are called here
    kept: list[list[int]] = []
    full = gc.get_stats()[2]["collections"]
    ticks = 0
    try:
        cycle = Cycle()
        cycle.other = cycle
        freed = weakref.ref(cycle)
        del cycle  # garbage that only a full collection finds, once it reached the oldest
        while gc.get_stats()[2]["collections"] == full:
            kept.extend([n] for n in range(750))  # lasting objects, one tick's worth
            collector.collect_due()
            ticks += 1
            assert ticks < 1000
        assert ticks > 120  # the old rule collected everything at the ~110th tick
        assert len(kept) >= len(heap) // 4
        assert freed() is None
    finally:
        collector.stop()


def test_a_bulk_call_runs_with_quick_gil_switches_then_the_usual_interval_is_back():
    """A bulk call (thousands of files or jobs in a Python loop) hands the GIL over within
    1 ms; other calls, and everything once the bulk ones ended, keep the usual interval."""
    from fal_desktop.widgets.background import BULK_SWITCH_INTERVAL_S

    usual = sys.getswitchinterval()
    seen: dict[str, float] = {}
    bulk, plain = Background(bulk=True, threads=2), Background()
    release = threading.Event()
    started = {"first": threading.Event(), "second": threading.Event()}

    def held(name: str) -> None:
        seen[name] = sys.getswitchinterval()
        started[name].set()
        release.wait(10)

    bulk.run(held, "first")
    bulk.run(held, "second")  # two at once: the first to end does not put it back
    plain.run(lambda: None)
    assert plain.wait(10000)
    assert all(event.wait(10) for event in started.values())
    assert seen == {"first": BULK_SWITCH_INTERVAL_S, "second": BULK_SWITCH_INTERVAL_S}
    assert sys.getswitchinterval() == BULK_SWITCH_INTERVAL_S
    release.set()
    assert bulk.wait(10000)
    assert sys.getswitchinterval() == usual
