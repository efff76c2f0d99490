"""A run's images as a grid (each whole, click to enlarge and back), the details panel, Use as
input and Upscale with ▸, through the window against the emulator."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.results import details as details_module
from fal_desktop.ui.results.viewer import ResultViewer
from tests.gui.conftest import rows, run_prompt

DATA = Path(__file__).resolve().parents[1] / "data" / "schemas"


def _settled(qtbot, view):
    qtbot.waitUntil(lambda: not view.image.isNull(), timeout=10000)
    view.wait_idle()
    qtbot.wait(120)  # the refit once the layout settled
    view.wait_idle()
    qtbot.waitUntil(lambda: not view.image.isNull(), timeout=10000)


def test_a_run_of_four_shows_all_four_whole_and_a_click_enlarges_one(qtbot, open_window):
    window = open_window()
    window.resize(1600, 1000)
    row = run_prompt(qtbot, window, "four doors", num_images=4, image_size="landscape_4_3")
    assert len(row.files) == 4
    grid = window.run_grid
    qtbot.waitUntil(lambda: window.results.currentWidget() is grid, timeout=5000)
    on_screen = QRect(QPoint(0, 0), window.size())
    for cell, path in zip(grid.cells[:4], row.files, strict=True):
        _settled(qtbot, cell)
        assert cell.path == path and cell.isVisible()
        top_left = cell.mapTo(window, QPoint(0, 0))
        assert on_screen.contains(QRect(top_left, cell.size()))  # the cell is in the window
        inner = cell.contentsRect().adjusted(
            cell.margin(), cell.margin(), -cell.margin(), -cell.margin()
        )
        scale = cell.devicePixelRatioF()
        # The whole picture fits its cell (no edge cut off) at the file's own proportions.
        assert cell.image.width() <= inner.width() * scale + 1
        assert cell.image.height() <= inner.height() * scale + 1
        source = cell.source_size
        ratio = cell.image.width() / cell.image.height()
        assert abs(ratio - source.width() / source.height()) < 0.03
    assert window.session_ui.bar.all_action.isVisible() is False

    qtbot.mouseClick(grid.cells[2], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.results.currentWidget() is window.result_view, timeout=5000)
    assert window.result_view.path == row.files[2]
    assert window.shown_index(row) == 2  # the viewer and Save as… act on this one
    bar = window.session_ui.bar
    assert bar.all_action.isVisible() and bar.all_action.text() == "◫ All 4"
    window.saving.view_selected()  # F11
    viewer = window.findChild(ResultViewer)
    assert viewer.current.path == row.files[2]
    viewer.close()

    bar.all_action.trigger()
    qtbot.waitUntil(lambda: window.results.currentWidget() is grid, timeout=5000)
    qtbot.mouseClick(grid.cells[1], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.result_view.path == row.files[1], timeout=5000)
    qtbot.mouseClick(window.result_view, Qt.MouseButton.LeftButton)  # a click goes back too
    qtbot.waitUntil(lambda: window.results.currentWidget() is grid, timeout=5000)


def test_the_details_panel_tells_what_made_the_result(qtbot, open_window, monkeypatch):
    opened = []
    monkeypatch.setattr(details_module, "open_folder", opened.append)
    window = open_window()
    seed = 2**63 + 12345  # beyond a double's exact range: copied exactly
    row = run_prompt(qtbot, window, "a quiet harbour", seed=seed)
    details = window.session_ui.details
    qtbot.waitUntil(lambda: details.isVisible(), timeout=5000)
    details.expand()
    job = window.manager.store.get(row.job.id)
    values = {key: label.text() for key, label in details.values.items()}
    assert values["prompt"] == "a quiet harbour"
    assert values["model"] == "fal-ai/flux/schnell"
    assert values["seed"] == str(job.output["seed"])
    assert values["request"] == job.request_id and job.request_id
    width, height = values["size"].split(" × ")
    assert int(width) > 0 and int(height) > 0
    assert values["time"].endswith(" s")
    # fal's billable units × the model's price, recorded with the job: shown as it was stored.
    assert job.cost is not None and details.values["cost"].isVisible()
    assert "$" in details.values["cost"].text()
    details.seed_button.click()
    assert QGuiApplication.clipboard().text() == str(job.output["seed"])
    details.folder_button.click()
    assert opened == [Path(row.files[0]).parent]


def test_a_result_goes_into_the_current_models_image_field(qtbot, open_window):
    window = open_window()
    row = run_prompt(qtbot, window, "a red door")
    window.model_panel.select_model("fal-ai/clarity-upscaler")
    window.session_ui.bar.buttons["use_input"].trigger()
    form = window.model_panel.form
    field = window.model_panel.image_field()
    assert form.fields[field].value() == row.files[0]
    assert window.model_panel.endpoint_id == "fal-ai/clarity-upscaler"  # the model stays


def test_the_gallery_menu_uses_a_result_as_input_and_upscales_with_any_upscaler(qtbot, open_window):
    window = open_window()
    row = run_prompt(qtbot, window, "a lantern")
    gallery = window.session_ui.panel.gallery
    qtbot.waitUntil(lambda: gallery.model().rowCount() == 1, timeout=5000)
    item = gallery.model().items()[0]
    offered = window.catalog.upscalers()
    assert {"fal-ai/aura-sr", "fal-ai/esrgan", "fal-ai/clarity-upscaler"} <= set(offered)
    assert not any("flux" in e for e in offered)
    gallery.action_requested.emit("upscale:fal-ai/esrgan", item)
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=5000)
    upscale = rows(window)[-1]
    assert upscale.job.endpoint_id == "fal-ai/esrgan"
    qtbot.waitUntil(lambda: upscale.state is JobState.COMPLETED, timeout=20000)
    window.model_panel.select_model("fal-ai/aura-sr")
    gallery.action_requested.emit("use_input", item)
    field = window.model_panel.image_field()
    assert window.model_panel.form.fields[field].value() == row.files[0]


def test_the_upscale_button_menu_lists_every_upscaler(qtbot, open_window):
    window = open_window()
    run_prompt(qtbot, window, "a kite")
    bar = window.session_ui.bar
    menu = bar.upscale_menu
    menu.aboutToShow.emit()
    names = [a.text() for a in menu.actions()]
    assert {
        "AuraSR (aura-sr)",
        "CCSR Upscaler (ccsr)",
        "Clarity Upscaler (clarity-upscaler)",
    } <= set(names)  # the display name, and the id that tells similar ones apart
    assert {"esrgan", "creative-upscaler"} <= {n.rsplit("(", 1)[-1].rstrip(")") for n in names}
    picked = next(a for a in menu.actions() if a.text() == "CCSR Upscaler (ccsr)")
    picked.trigger()
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=5000)
    assert rows(window)[-1].job.endpoint_id == "fal-ai/ccsr"


def test_use_as_input_adds_to_an_image_list(qtbot, open_window):
    window = open_window()
    first = run_prompt(qtbot, window, "a cat")
    second = run_prompt(qtbot, window, "a hat")
    schema = EndpointSchema.from_file(DATA / "fal-ai__nano-banana__edit.json")
    window.catalog._schemas[schema.endpoint_id] = schema  # as if loaded from fal
    window.model_panel.select_model(schema.endpoint_id)
    gallery = window.session_ui.panel.gallery
    items = {item.job.id: item for item in gallery.model().items()}
    for row in (first, second):
        gallery.action_requested.emit("use_input", items[row.job.id])
    field = window.model_panel.form.fields["image_urls"]
    assert field.values() == [first.files[0], second.files[0]]
