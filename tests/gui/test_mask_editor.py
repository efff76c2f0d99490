"""Mask painting: the painter itself (strokes by mouse, eraser, undo/redo, invert, clear, zoom
and pan, the PNG it writes), and Draw mask… through the window: painted, run on an inpainting
model at the emulator, uploaded as painted, and brought back by Reuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.emulator import Emulator
from fal_desktop.forms.form import ParamsForm
from fal_desktop.forms.mask_canvas import MaskCanvas
from fal_desktop.forms.mask_editor import MaskEditor
from fal_desktop.forms.spec import is_mask_field, mask_base_image
from tests.gui.conftest import KEY, rows, run_prompt

DATA = Path(__file__).parents[1] / "data" / "schemas"
INPAINT = "fal-ai/inpaint"


@pytest.fixture
def emulator():
    """The window tests' emulator, with the real schemas of tests/data (fal-ai/inpaint)."""
    with Emulator(key=KEY, schema_dirs=[DATA], job_duration=0.3, workers=2) as emu:
        yield emu


def picture(width: int = 400, height: int = 300) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    return image


def saved(canvas: MaskCanvas, tmp_path: Path) -> Image.Image:
    path = tmp_path / "mask.png"
    assert canvas.mask_image().save(str(path), "PNG")
    return Image.open(path).convert("L")


def editor_at_one_to_one(qtbot, image: QImage | None = None) -> MaskEditor:
    editor = MaskEditor(image or picture(), None, "test.png")
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    qtbot.waitActive(editor)  # shortcuts reach the active window
    editor.canvas.set_zoom(1.0)
    editor.canvas.offset = QPointF(0, 0)  # image pixel = view pixel
    editor.canvas.set_brush_size(20)
    return editor


def drag(qtbot, widget, points: list[tuple[int, int]], button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mousePress(widget, button, pos=QPoint(*points[0]))
    for point in points[1:]:
        qtbot.mouseMove(widget, QPoint(*point))
    qtbot.mouseRelease(widget, button, pos=QPoint(*points[-1]))


def test_mask_fields_and_the_image_they_are_drawn_over():
    assert is_mask_field("mask_url") and is_mask_field("mask_image_url")
    assert is_mask_field("ip_adapter_mask_url")
    assert not is_mask_field("image_url") and not is_mask_field("mask_threshold")
    assert is_mask_field("area", {"type": "string", "ui": {"field": "image_mask"}})  # fal's hint
    assert mask_base_image("mask_url", ["image_url", "mask_url"]) == "image_url"
    assert (
        mask_base_image("ip_adapter_mask_url", ["ip_adapter_image_url", "ip_adapter_mask_url"])
        == "ip_adapter_image_url"
    )
    assert mask_base_image("mask_image_url", ["control_image_url", "mask_image_url"]) == (
        "control_image_url"
    )
    assert mask_base_image("mask_url", ["mask_url"]) is None


def test_every_mask_field_has_draw_mask_and_no_other_field_has(qtbot):
    form = ParamsForm(EndpointSchema.from_file(DATA / "fal-ai__inpaint.json"))
    qtbot.addWidget(form)
    assert form.fields["mask_url"].draw_button is not None
    assert form.fields["mask_url"].draw_button.text() == "Draw mask…"
    assert form.fields["image_url"].draw_button is None
    general = ParamsForm(EndpointSchema.from_file(DATA / "fal-ai__flux-general.json"))
    qtbot.addWidget(general)  # masks inside a ControlNet or an IP adapter get the button too
    sub = general.fields["controlnets"].add_row()
    assert sub.fields["mask_image_url"].draw_button is not None
    assert sub.fields["control_image_url"].draw_button is None
    buttons = [
        w.spec.name
        for w in general.findChildren(type(form.fields["mask_url"]))
        if w.draw_button is not None
    ]
    assert "mask_image_url" in buttons


def test_a_stroke_by_mouse_is_white_in_the_png_of_the_images_size(qtbot, tmp_path):
    editor = editor_at_one_to_one(qtbot)
    drag(qtbot, editor.canvas, [(50, 100), (120, 100), (200, 100)])
    mask = saved(editor.canvas, tmp_path)
    assert mask.size == (400, 300)
    assert {mask.getpixel((x, 100)) for x in (50, 120, 160, 200)} == {255}
    assert mask.getpixel((125, 108)) == 255  # the brush is 20 px wide
    assert {mask.getpixel(p) for p in ((50, 130), (300, 100), (0, 0), (399, 299))} == {0}
    assert {v for _, v in mask.getcolors()} == {
        0,
        255,
    }  # a clean mask: change or keep, nothing between


def test_eraser_undo_redo_by_keys(qtbot, tmp_path):
    editor = editor_at_one_to_one(qtbot)
    canvas = editor.canvas
    drag(qtbot, canvas, [(50, 100), (250, 100)])
    editor.eraser_button.click()
    assert canvas.eraser and not editor.brush_button.isChecked()
    drag(qtbot, canvas, [(140, 80), (160, 120)])
    mask = saved(canvas, tmp_path)
    assert mask.getpixel((150, 100)) == 0 and mask.getpixel((60, 100)) == 255
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert saved(canvas, tmp_path).getpixel((150, 100)) == 255  # the erasing is undone
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert saved(canvas, tmp_path).getextrema() == (0, 0)  # and the stroke
    assert not editor.undo_button.isEnabled() and editor.redo_button.isEnabled()
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(canvas, Qt.Key.Key_Z, shift_ctrl)
    assert saved(canvas, tmp_path).getpixel((150, 100)) == 255
    qtbot.keyClick(canvas, Qt.Key.Key_Z, shift_ctrl)
    mask = saved(canvas, tmp_path)
    assert mask.getpixel((150, 100)) == 0 and mask.getpixel((60, 100)) == 255
    assert not editor.redo_button.isEnabled()


def test_invert_and_clear_are_undoable(qtbot, tmp_path):
    editor = editor_at_one_to_one(qtbot)
    drag(qtbot, editor.canvas, [(100, 100), (100, 101)])
    editor.invert_button.click()
    mask = saved(editor.canvas, tmp_path)
    assert mask.getpixel((100, 100)) == 0 and mask.getpixel((300, 250)) == 255
    editor.clear_button.click()
    assert saved(editor.canvas, tmp_path).getextrema() == (0, 0)
    editor.undo_button.click()
    editor.undo_button.click()
    mask = saved(editor.canvas, tmp_path)
    assert mask.getpixel((100, 100)) == 255 and mask.getpixel((300, 250)) == 0


def test_brackets_and_the_slider_set_the_brush_size(qtbot, tmp_path):
    editor = editor_at_one_to_one(qtbot)
    qtbot.keyClick(editor.canvas, Qt.Key.Key_BracketRight)
    assert editor.canvas.brush_size == 24 and editor.size_label.text() == "24 px"
    qtbot.keyClick(editor.canvas, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(editor.canvas, Qt.Key.Key_BracketLeft)
    assert editor.canvas.brush_size < 24 and editor.size_slider.value() == editor.canvas.brush_size
    editor.size_slider.setValue(60)
    drag(qtbot, editor.canvas, [(200, 150), (200, 151)])
    mask = saved(editor.canvas, tmp_path)
    assert mask.getpixel((225, 150)) == 255 and mask.getpixel((240, 150)) == 0


def test_zoom_at_the_pointer_and_pan_keep_strokes_on_the_image_pixels(qtbot, tmp_path):
    editor = editor_at_one_to_one(qtbot)
    canvas = editor.canvas
    canvas.set_zoom(2.0, QPointF(0, 0))
    assert editor.zoom_label.text() == "200 %"
    drag(qtbot, canvas, [(200, 200), (201, 200)])  # at 200 %: image pixel (100, 100)
    drag(qtbot, canvas, [(300, 300), (100, 300)], Qt.MouseButton.MiddleButton)  # pan 200 left
    assert canvas.offset == QPointF(-200, 0)
    drag(qtbot, canvas, [(200, 200), (201, 200)])  # now image pixel (200, 100)
    mask = saved(canvas, tmp_path)
    assert mask.getpixel((100, 100)) == 255 and mask.getpixel((200, 100)) == 255
    assert mask.getpixel((150, 100)) == 0
    editor.fit_button.click()
    assert canvas.zoom <= 1 and canvas.transform().mapRect(canvas.image.rect()).width() <= (
        canvas.width()
    )


def test_a_4096_image_paints_without_whole_view_repaints(qtbot):
    """Brushing repaints only the stroke's rectangle, not the whole view."""
    painted = []

    class Counting(MaskCanvas):
        def paintEvent(self, event):  # noqa: N802
            painted.append(event.rect())
            super().paintEvent(event)

    canvas = Counting(picture(4096, 4096))
    qtbot.addWidget(canvas)
    canvas.resize(1000, 700)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_brush_size(64)
    QApplication.processEvents()
    painted.clear()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(300, 300))
    for i in range(1, 20):
        qtbot.mouseMove(canvas, QPoint(300 + 5 * i, 300))
        QApplication.processEvents()  # each move's repaint, before the next move
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(395, 300))
    assert len(painted) >= 19
    assert all(r.width() * r.height() < 1000 * 700 / 50 for r in painted)
    assert canvas.mask_image().size() == canvas.image.size()


# -- through the window ------------------------------------------------------------------


def _paint_in_editor(qtbot, field) -> MaskEditor:
    field.draw_button.click()
    editor = field.mask_editor
    qtbot.waitExposed(editor)
    editor.canvas.set_zoom(1.0, QPointF(0, 0))
    editor.canvas.offset = QPointF(0, 0)
    editor.canvas.set_brush_size(30)
    drag(qtbot, editor.canvas, [(40, 60), (160, 60)])
    return editor


def test_draw_mask_run_inpainting_upload_and_reuse(qtbot, open_window, emulator, tmp_path):
    window = open_window()
    photo = tmp_path / "photo.png"
    Image.new("RGB", (320, 240), (30, 140, 90)).save(photo)
    window.model_panel.select_model(INPAINT)
    qtbot.waitUntil(lambda: window.model_panel.endpoint_id == INPAINT, timeout=10000)
    form = window.model_panel.form
    form.fields["model_name"].set_value("diffusers/stable-diffusion-xl-1.0-inpainting-0.1")
    form.fields["prompt"].set_value("a red door")
    form.fields["image_url"].set_value(str(photo))
    field = form.fields["mask_url"]
    editor = _paint_in_editor(qtbot, field)
    assert editor.canvas.image.size().toTuple() == (320, 240)
    editor.use_button.click()
    mask_path = Path(field.value())
    assert mask_path.parent == window.paths.data / "masks"  # kept, not in a temp folder
    with Image.open(mask_path) as mask:
        assert mask.size == (320, 240)
        assert mask.convert("L").getpixel((100, 60)) == 255
        assert mask.convert("L").getpixel((100, 200)) == 0
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=5000)
    row = rows(window)[0]
    qtbot.waitUntil(lambda: row.state.finished, timeout=20000)
    assert row.error is None
    job = window.manager.store.get(row.job.id)
    uploaded = emulator.service.storage.path_for_url(job.payload["mask_url"])
    assert uploaded is not None and uploaded.read_bytes() == mask_path.read_bytes()
    with Image.open(row.files[0]) as result:  # the emulator painted the white part anew only
        assert result.size == (320, 240)
        assert result.convert("RGB").getpixel((100, 200)) == (30, 140, 90)
        assert result.convert("RGB").getpixel((100, 60)) != (30, 140, 90)

    field.set_value("")  # the user moved on
    window.model_panel.select_model("fal-ai/flux/schnell")
    assert window.session_ui.reuse(job)
    form = window.model_panel.form
    assert form.fields["mask_url"].value() == str(mask_path)
    assert form.fields["image_url"].value() == str(photo)
    form.fields["mask_url"].draw_button.click()  # the painted mask comes back to edit
    again = form.fields["mask_url"].mask_editor
    assert not again.canvas.is_empty()
    assert again.canvas.mask_image() == editor.canvas.mask_image()
    again.reject()


def test_draw_mask_without_an_image_uses_the_result_on_screen(qtbot, open_window, tmp_path):
    window = open_window()
    run_prompt(qtbot, window, "a blue house", image_size="square")
    qtbot.waitUntil(lambda: bool(window.shown_file), timeout=10000)
    shown = window.shown_file
    window.model_panel.select_model(INPAINT)
    qtbot.waitUntil(lambda: window.model_panel.endpoint_id == INPAINT, timeout=10000)
    form = window.model_panel.form
    form.fields["image_url"].set_value("")
    editor = _paint_in_editor(qtbot, form.fields["mask_url"])
    assert editor.canvas.image.size().toTuple() == (512, 512)
    editor.use_button.click()
    assert form.fields["image_url"].value() == shown  # the mask fits the image that is sent
    with Image.open(form.fields["mask_url"].value()) as mask:
        assert mask.size == (512, 512)


def test_draw_mask_asks_for_an_image_when_there_is_none(qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    photo = tmp_path / "asked.png"
    Image.new("RGB", (64, 48), (200, 10, 10)).save(photo)
    asked = []

    def choose(*args, **kwargs):
        asked.append(args[1])
        return str(photo), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    form = ParamsForm(EndpointSchema.from_file(DATA / "fal-ai__inpaint.json"))
    qtbot.addWidget(form)
    form.show()
    form.fields["mask_url"].draw_button.click()
    editor = form.fields["mask_url"].mask_editor
    assert asked and editor.canvas.image.size().toTuple() == (64, 48)
    editor.canvas.begin_stroke(QPointF(10, 10))
    editor.canvas.end_stroke()
    editor.use_button.click()
    assert form.fields["image_url"].value() == str(photo)
    with Image.open(form.fields["mask_url"].value()) as mask:
        assert mask.size == (64, 48) and mask.convert("L").getpixel((10, 10)) == 255
