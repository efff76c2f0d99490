"""Money through the window against the emulator: what each job cost (fal's billable units ×
the unit price), summed per session and per batch; a 200-image folder drop's total asked about
before anything is sent; the spend limit holding the rest of it; the same call offered free."""

from __future__ import annotations

import json
import time

from PIL import Image

from fal_desktop.core.export import export_session
from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.jobs.table import COLUMNS
from tests.gui.conftest import rows, run_prompt


def _cell(window, row, column):
    model = window.jobs_model
    index = model.index(rows(window).index(row), COLUMNS.index(column))
    return model.data(index), model.data(index, 3)  # display, tooltip


def _price_known(qtbot, window, endpoint_id):
    qtbot.waitUntil(lambda: window.platform_ui.prices.price(endpoint_id) is not None, timeout=10000)


def test_a_jobs_cost_is_recorded_shown_and_summed_per_session(
    qtbot, open_window, emulator, tmp_path
):
    window = open_window()
    _price_known(qtbot, window, "fal-ai/flux/dev")  # $0.025 per image at the emulated fal
    first = run_prompt(qtbot, window, "a red fox", endpoint="fal-ai/flux/dev")
    second = run_prompt(qtbot, window, "two foxes", endpoint="fal-ai/flux/dev", num_images=2)
    qtbot.waitUntil(lambda: second.job.cost is not None, timeout=5000)

    assert (first.job.billable_units, first.job.cost) == ("1", 0.025)
    assert (second.job.billable_units, second.job.cost) == ("2", 0.05)
    stored = window.manager.store.get(second.job.id)
    assert (stored.billable_units, stored.cost) == ("2", 0.05)  # recorded with the job
    shown, tip = _cell(window, second, "Cost")
    assert shown == "$0.05" and "fal billed 2 unit(s)" in tip
    title = window.session_ui.panel.gallery_title
    qtbot.waitUntil(lambda: "cost $0.075" in title.text(), timeout=5000)

    emulator.service.send_billable_units = False  # fal said nothing: the cost stays unknown
    third = run_prompt(qtbot, window, "three foxes", endpoint="fal-ai/flux/dev")
    assert third.job.cost is None and _cell(window, third, "Cost")[0] == "unknown"
    qtbot.waitUntil(lambda: "cost $0.075 · 1 unknown" in title.text(), timeout=5000)

    session = window.sessions.get(window.session_ui.session_id)
    runs = window.manager.store.where("session_id = ?", (session.id,))
    exported = export_session(session, runs, tmp_path / "export")
    document = json.loads((exported.folder / "session.json").read_text())
    assert [r["cost_usd"] for r in document["runs"]] == [0.025, 0.05, None]
    assert document["total_cost_usd"] == 0.075 and document["runs_with_unknown_cost"] == 1


def _folder_of(tmp_path, count):
    folder = tmp_path / "drop"
    folder.mkdir()
    for n in range(count):
        Image.new("RGB", (16, 16), (n % 256, 0, 0)).save(folder / f"p{n:03d}.png")
    return folder


def test_a_200_image_drop_shows_its_total_first_and_the_spend_limit_holds_the_rest(
    qtbot, open_window, emulator, tmp_path, money_questions, monkeypatch
):
    from fal_desktop.core.costs import SpendLimit
    from fal_desktop.ui.jobs import money_questions as asked_here
    from tests.gui.test_upscale_drop import _drop, _urls

    window = open_window()
    _price_known(qtbot, window, "fal-ai/esrgan")
    window.platform_ui.prices._typical["fal-ai/esrgan"] = (time.time(), 0.0024)  # per call
    window.model_panel.select_model("fal-ai/esrgan")
    window.spending.set_limit(SpendLimit(per_session=0.05))
    sent_when_asked = []
    real_ask = asked_here.ask_batch

    def ask(parent, text):
        sent_when_asked.append(sum(emulator.submissions.values()))
        return real_ask(parent, text)

    monkeypatch.setattr(asked_here, "ask_batch", ask)
    added = []
    window.manager.job_added.connect(lambda job: added.append(job.id))

    _drop(window, _urls(_folder_of(tmp_path, 200)))  # a folder of 200 images
    qtbot.waitUntil(lambda: bool(sent_when_asked), timeout=20000)  # scanned in the background
    ids = added

    assert sent_when_asked == [0]  # asked before anything was sent
    assert "200 jobs will be sent" in money_questions.of("batch")[0]
    assert "Estimated total: ≈\u00a0$0.48" in money_questions.of("batch")[0]
    assert "Only 20 of these 200 jobs fit" in money_questions.of("limit")[0]
    assert len(ids) == 200  # every one recorded: nothing is lost
    store = window.manager.store
    qtbot.waitUntil(
        lambda: all(store.get(i).state is JobState.COMPLETED for i in ids[:20]), timeout=60000
    )
    held = [store.get(i) for i in ids[20:]]
    assert all(j.state is JobState.HELD and j.request_id is None for j in held)
    assert sum(emulator.submissions.values()) == 20  # the rest never went out
    assert "180 held" in window.jobs_panel.batch_label.text()

    window.spending.set_limit(SpendLimit())  # raised: the rest is resumable with Retry
    for job in held[:2]:
        window.retry(job.id)
    qtbot.waitUntil(
        lambda: all(store.get(j.id).state is JobState.COMPLETED for j in held[:2]), timeout=30000
    )
    assert store.get(held[2].id).state is JobState.HELD


def test_the_same_call_offers_the_finished_result_before_a_new_paid_job(
    qtbot, open_window, emulator, money_questions
):
    window = open_window()
    first = run_prompt(qtbot, window, "a lighthouse", seed=1234)
    submitted = sum(emulator.submissions.values())

    money_questions.show_same_call = True
    window.model_panel.run_button.click()
    assert "the same inputs and seed 1234" in money_questions.of("same")[0]
    assert len(rows(window)) == 1  # no new job: the earlier result is shown, free
    assert window.jobs_panel.selected_row().job.id == first.job.id
    assert window.shown_file == first.files[0]
    assert sum(emulator.submissions.values()) == submitted

    money_questions.show_same_call = False  # Run again (new paid job)
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=5000)
    qtbot.waitUntil(lambda: rows(window)[-1].state is JobState.COMPLETED, timeout=20000)
    assert len(money_questions.of("same")) == 2

    window.model_panel.form.fields["seed"].set_value(None)  # a random seed: never offered
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == 3, timeout=5000)
    assert len(money_questions.of("same")) == 2


def test_recorded_costs_above_the_estimates_pause_sending_at_the_limit(
    qtbot, open_window, emulator, tmp_path, money_questions
):
    from fal_desktop.core.costs import SpendLimit
    from tests.gui.test_upscale_drop import _drop, _urls

    window = open_window()
    _price_known(qtbot, window, "fal-ai/esrgan")  # billed per compute second
    window.platform_ui.prices._typical["fal-ai/esrgan"] = (time.time(), 0.00001)  # too low
    window.model_panel.select_model("fal-ai/esrgan")
    window.spending.set_limit(SpendLimit(per_day=0.003))
    added = []
    window.manager.job_added.connect(lambda job: added.append(job.id))

    _drop(window, _urls(_folder_of(tmp_path, 40)))
    qtbot.waitUntil(lambda: len(added) == 40, timeout=20000)  # scanned in the background
    assert not money_questions.of("limit")  # the estimates fit
    qtbot.waitUntil(lambda: bool(money_questions.of("paused")), timeout=60000)
    assert "Sending is paused" in money_questions.of("paused")[0]
    store = window.manager.store
    at_fal = lambda: [j for j in map(store.get, added) if j.request_id]  # noqa: E731
    qtbot.waitUntil(
        lambda: all(j.state is JobState.COMPLETED for j in at_fal()), timeout=60000
    )  # what fal has goes on to its result
    waiting = [j for j in map(store.get, added) if not j.request_id]
    assert waiting and all(j.state is JobState.PENDING for j in waiting)  # not sent
    assert window.jobs_panel.pause_button.isChecked()

    window.spending.set_limit(SpendLimit())
    window.jobs_panel.pause_button.click()  # Resume: the rest is sent
    qtbot.waitUntil(
        lambda: all(store.get(i).state is JobState.COMPLETED for i in added), timeout=60000
    )


def test_a_cost_whose_price_comes_after_the_result_is_filled_in_and_counted_once(
    qtbot, open_window, emulator, monkeypatch
):
    from fal_desktop.core.costs import SpendLimit
    from fal_desktop.ui.jobs import recorded_costs

    # Ask fal again soon, not in a minute.
    monkeypatch.setattr(recorded_costs, "PRICE_RETRY_MS", 200)
    emulator.platform.pricing_down = True  # fal's pricing call fails: the price comes later
    window = open_window()
    window.spending.set_limit(SpendLimit(per_session=1.0))
    row = run_prompt(qtbot, window, "a red fox", endpoint="fal-ai/flux/dev", num_images=2)
    assert (row.job.billable_units, row.job.cost) == ("2", None)
    assert _cell(window, row, "Cost")[0] == "unknown"
    title = window.session_ui.panel.gallery_title
    qtbot.waitUntil(lambda: "cost unknown" in title.text(), timeout=5000)

    emulator.platform.pricing_down = False  # the price arrives (asked again after the failure)
    qtbot.waitUntil(lambda: row.job.cost is not None, timeout=10000)
    assert row.job.cost == 0.05 and window.manager.store.get(row.job.id).cost == 0.05
    shown, tip = _cell(window, row, "Cost")
    assert shown == "$0.05" and "fal billed 2 unit(s)" in tip
    qtbot.waitUntil(lambda: "cost $0.05" in title.text(), timeout=5000)
    assert window.session_ui.details.values["cost"].text() == "$0.05"  # the Details panel
    assert window.spending.spent()[0] == 0.05

    window.platform_ui.prices_arrived.emit(["fal-ai/flux/dev"])  # prices again: counted once
    window.spending.on_updates([])
    assert window.spending.spent()[0] == 0.05


def test_a_cost_left_unknown_by_a_run_offline_is_filled_in_at_the_next_start(
    qtbot, open_window, emulator
):
    emulator.platform.pricing_down = True
    first = open_window()
    row = run_prompt(qtbot, first, "a red fox", endpoint="fal-ai/flux/dev")
    assert (row.job.billable_units, row.job.cost) == ("1", None)
    job_id = row.job.id
    first.close()
    first.manager.stop_and_wait()

    emulator.platform.pricing_down = False  # the next start is online
    window = open_window()
    again = window.jobs_model.row_for(job_id)
    qtbot.waitUntil(lambda: again.job.cost is not None, timeout=10000)
    assert again.job.cost == 0.025 and window.manager.store.get(job_id).cost == 0.025
    assert _cell(window, again, "Cost")[0] == "$0.025"


def test_command_line_and_hand_over_upscales_ask_about_their_total_like_a_drop(
    qtbot, open_window, emulator, tmp_path, money_questions
):
    import argparse

    from fal_desktop.cli import command_line_upscale, take_request

    class App:
        codes: list[int] = []

        def exit(self, code):
            self.codes.append(code)

    window = open_window()
    _price_known(qtbot, window, "fal-ai/esrgan")
    window.platform_ui.prices._typical["fal-ai/esrgan"] = (time.time(), 0.0024)
    window.model_panel.select_model("fal-ai/esrgan")
    folder = _folder_of(tmp_path, 3)
    args = argparse.Namespace(upscale=[str(folder)], quit_when_done=False)

    money_questions.send_batch = False  # --upscale: asked, and the user cancels
    command_line_upscale(App(), window, window.manager, args)
    assert not money_questions.asked  # start-up goes on first: the question comes after
    qtbot.waitUntil(lambda: bool(money_questions.of("batch")), timeout=5000)
    assert "3 jobs will be sent" in money_questions.of("batch")[0]
    assert "Estimated total: ≈\u00a0$0.0072" in money_questions.of("batch")[0]
    assert not rows(window) and sum(emulator.submissions.values()) == 0

    money_questions.send_batch = True  # a second start hands the folder over: asked, sent
    take_request(window, {"upscale": ["drop"], "cwd": str(tmp_path)})
    assert len(money_questions.of("batch")) == 1  # the hand-over is taken before asking
    qtbot.waitUntil(lambda: len(money_questions.of("batch")) == 2, timeout=5000)
    qtbot.waitUntil(lambda: len(rows(window)) == 3, timeout=5000)
    qtbot.waitUntil(lambda: all(r.state is JobState.COMPLETED for r in rows(window)), timeout=30000)

    scripted = argparse.Namespace(upscale=[str(folder)], quit_when_done=True)
    app = App()
    command_line_upscale(app, window, window.manager, scripted)  # scripted: nothing asked
    assert len(money_questions.of("batch")) == 2 and len(rows(window)) == 6
    qtbot.waitUntil(lambda: app.codes == [0], timeout=30000)  # quits once they are done

    from fal_desktop.core.costs import SpendLimit

    session = window.spending.spent()[0]
    window.spending.set_limit(SpendLimit(per_session=session + 0.003))  # one more job fits
    app = App()
    app.codes = []
    sent = sum(emulator.submissions.values())
    command_line_upscale(app, window, window.manager, scripted)
    assert not money_questions.of("limit")  # scripted: the limit holds the rest, no question
    qtbot.waitUntil(lambda: app.codes == [1], timeout=30000)  # not all done: status 1
    assert sum(emulator.submissions.values()) == sent + 1
    assert [r.state for r in rows(window)[-3:]] == [JobState.COMPLETED] + [JobState.HELD] * 2


def test_the_spend_limit_counts_costs_and_jobs_under_way_from_the_database_alone(
    qtbot, open_window, emulator, monkeypatch
):
    """What the limit counts, in a session of thousands of results: each recorded cost once
    (this session; today), the estimate of a job under way, nothing for a job not sent (held or
    waiting) or ended without a cost; only the jobs under way are read whole (reading 10,000
    runs after every finished job stalled the window)."""
    from fal_desktop.core.costs import SpendLimit, start_of_day
    from fal_desktop.core.jobstore import JobRecord, JobStore

    window = open_window()
    _price_known(qtbot, window, "fal-ai/flux/dev")  # $0.025 per image
    store = window.manager.store
    session = window.session_ui.session_id
    today, yesterday = time.time(), start_of_day() - 3600

    def job(state, cost=None, *, at=today, session_id=session, images=1):
        return JobRecord(
            "fal-ai/flux/dev",
            {"prompt": "a fox", "num_images": images},
            state=state,
            cost=cost,
            created_at=at,
            session_id=session_id,
        )

    store.save_many(
        [job(JobState.COMPLETED, 0.001) for _ in range(3000)]  # this session, today: $3
        + [
            job(JobState.COMPLETED, 0.5, at=yesterday),  # this session, not today
            job(JobState.COMPLETED, 0.25, session_id="elsewhere"),  # today, not this session
            job(JobState.COMPLETED),  # ended without a known cost: not counted
            job(JobState.FAILED),
            job(JobState.RUNNING, images=2),  # under way: its estimate, 2 × $0.025
            job(JobState.QUEUED, session_id="elsewhere"),  # under way today: $0.025
            job(JobState.RUNNING, 0.01),  # under way with a cost: the cost
            job(JobState.PENDING),  # not sent yet: nothing
            job(JobState.HELD, 7.0),  # held: nothing
        ]
    )
    read = []
    real_record = JobStore._record
    monkeypatch.setattr(
        JobStore, "_record", staticmethod(lambda r: read.append(r) or real_record(r))
    )

    session_spent, day_spent = window.spending.spent()

    assert round(session_spent, 6) == round(3.0 + 0.5 + 0.05 + 0.01, 6)
    assert round(day_spent, 6) == round(3.0 + 0.25 + 0.05 + 0.025 + 0.01, 6)
    assert len(read) == 2  # the two jobs under way without a cost, nothing else

    window.spending.set_limit(SpendLimit(per_session=3.6))  # $0.04 left: one image fits
    assert window.spending.plan([("fal-ai/flux/dev", {"prompt": "x"})] * 3, ask=False) == 1
    assert window.spending.session_total(session) == "$3.50 · 1 unknown"


def test_a_scripted_run_paused_by_the_limit_ends_instead_of_asking(
    qtbot, open_window, emulator, tmp_path, money_questions
):
    """--quit-when-done, and recorded costs come out above the estimates: sending pauses at the
    limit with nobody to ask, so the app quits (status 1) once what fal has is done, and names
    the jobs it did not send (kept unsent for a later start), instead of waiting for ever."""
    import argparse

    from fal_desktop.cli import command_line_upscale
    from fal_desktop.core.costs import SpendLimit

    class App:
        def __init__(self) -> None:
            self.codes: list[int] = []

        def exit(self, code):
            self.codes.append(code)

    window = open_window()
    _price_known(qtbot, window, "fal-ai/esrgan")  # billed per compute second
    window.platform_ui.prices._typical["fal-ai/esrgan"] = (time.time(), 0.00001)  # too low
    window.model_panel.select_model("fal-ai/esrgan")
    window.spending.set_limit(SpendLimit(per_day=0.003))
    folder = _folder_of(tmp_path, 40)
    app = App()
    scripted = argparse.Namespace(upscale=[str(folder)], quit_when_done=True)
    command_line_upscale(app, window, window.manager, scripted)
    qtbot.waitUntil(lambda: app.codes == [1], timeout=90000)  # ended, not hung
    assert not money_questions.of("paused") and not money_questions.of("limit")  # never asked
    store = window.manager.store
    jobs = [store.get(r.job.id) for r in rows(window)]
    assert len(jobs) == 40
    unsent = [j for j in jobs if not j.request_id]
    assert unsent and all(j.state is JobState.PENDING for j in unsent)  # kept, not sent
    assert sum(emulator.submissions.values()) == 40 - len(unsent)  # each sent one once
    assert all(j.state is JobState.COMPLETED for j in jobs if j.request_id)  # fal's: fetched
