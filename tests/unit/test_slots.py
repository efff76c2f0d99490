"""The engine's job slots (``jobs/scheduler.py`` ``Slots``): a limit that changes while jobs run."""

from __future__ import annotations

import asyncio

from fal_desktop.jobs.scheduler import Slots


class Jobs:
    """Tasks that each take a slot and hold it until told to finish."""

    def __init__(self, slots: Slots, count: int) -> None:
        self.slots = slots
        self.inside: list[int] = []  # who holds a slot, in the order they got one
        self.finish = [asyncio.Event() for _ in range(count)]
        self.tasks = [asyncio.get_running_loop().create_task(self._job(i)) for i in range(count)]

    async def _job(self, index: int) -> None:
        async with self.slots:
            self.inside.append(index)
            await self.finish[index].wait()
            self.inside.remove(index)


async def settle() -> None:
    """Let every task that can run do so (no timing: one loop, a few turns)."""
    for _ in range(10):
        await asyncio.sleep(0)


def test_raising_the_limit_lets_waiting_jobs_in_at_once_in_their_order():
    async def run() -> None:
        slots = Slots(2)
        jobs = Jobs(slots, 6)
        await settle()
        assert jobs.inside == [0, 1] and slots.held == 2
        slots.set_limit(5)
        await settle()
        assert jobs.inside == [0, 1, 2, 3, 4] and slots.held == 5
        for event in jobs.finish:
            event.set()
        await asyncio.gather(*jobs.tasks)
        assert slots.held == 0

    asyncio.run(run())


def test_lowering_the_limit_stops_nobody_and_lets_nobody_in_until_under_it():
    async def run() -> None:
        slots = Slots(4)
        jobs = Jobs(slots, 6)
        await settle()
        assert jobs.inside == [0, 1, 2, 3]
        slots.set_limit(2)
        await settle()
        assert jobs.inside == [0, 1, 2, 3]  # the running ones go on
        jobs.finish[0].set()
        jobs.finish[1].set()
        await settle()
        assert jobs.inside == [2, 3]  # two left: not under the limit yet, so nobody new
        jobs.finish[2].set()
        await settle()
        assert jobs.inside == [3, 4]  # one left: the next one waiting gets the free slot
        for event in jobs.finish:
            event.set()
        await asyncio.gather(*jobs.tasks)
        assert slots.held == 0 and slots.limit == 2

    asyncio.run(run())


def test_a_job_cancelled_while_waiting_takes_no_slot_with_it():
    async def run() -> None:
        slots = Slots(1)
        jobs = Jobs(slots, 3)
        await settle()
        jobs.tasks[1].cancel()  # waiting: gone without ever holding a slot
        await settle()
        jobs.finish[0].set()
        await settle()
        assert jobs.inside == [2] and slots.held == 1
        jobs.finish[2].set()
        await settle()
        assert slots.held == 0
        slots.set_limit(0)  # never below one: a limit of none would stop every job forever
        assert slots.limit == 1

    asyncio.run(run())
