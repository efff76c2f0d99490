"""The new field widgets driven like a user would: a large enum filtered by typing, a list of
images added, reordered and removed, a nullable number un-set, a 64-bit seed kept exactly, URL
thumbnails, and the prompt following the user between text-to-image models."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication, QImage

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.catalog import Catalog
from fal_desktop.core.form_memory import FormMemory
from fal_desktop.emulator import Emulator
from fal_desktop.forms import url_thumbnails
from fal_desktop.forms.form import ParamsForm
from fal_desktop.ui.models.panel import ModelPanel

DATA = Path(__file__).parents[1] / "data" / "schemas"
BIG_SEED = 18446744073709551615


def _form(qtbot, name: str) -> ParamsForm:
    form = ParamsForm(EndpointSchema.from_file(DATA / name))
    qtbot.addWidget(form)
    form.show()
    return form


def _picture(path: Path, color) -> str:
    Image.new("RGB", (40, 30), color).save(path)
    return str(path)


def test_a_large_enum_filters_as_you_type_and_sends_the_raw_value(qtbot):
    form = _form(qtbot, "fal-ai__ideogram__v3.json")
    form.advanced_toggle.setChecked(True)
    combo = form.fields["style_preset"].combo
    assert combo.currentText() == "(not set)" and "style_preset" not in form.value()
    assert combo.findText("80s illustration") > 0  # readable label of 80S_ILLUSTRATION
    combo.lineEdit().setFocus()
    combo.lineEdit().selectAll()
    qtbot.keyClicks(combo.lineEdit(), "nostal")
    completer = combo.completer()
    shown = [
        completer.completionModel().index(row, 0).data()
        for row in range(completer.completionCount())
    ]
    assert shown and all("nostal" in text.lower() for text in shown)
    assert len(shown) < 10  # filtered from 62
    qtbot.waitUntil(completer.popup().isVisible)
    popup = completer.popup()
    popup.setCurrentIndex(completer.completionModel().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert form.value()["style_preset"] in ("90S_NOSTALGIA", "ANALOG_NOSTALGIA")
    assert combo.itemData(combo.currentIndex(), Qt.ItemDataRole.ToolTipRole).startswith("Sent as: ")
    combo.lineEdit().setText("no such style")
    combo.lineEdit().editingFinished.emit()  # typed text that names nothing shows the choice again
    assert combo.currentText() in ("90s nostalgia", "Analog nostalgia")
    combo.setCurrentIndex(0)
    assert "style_preset" not in form.value()  # back to (not set)


def test_images_in_a_list_are_added_reordered_and_removed(qtbot, tmp_path):
    form = _form(qtbot, "fal-ai__nano-banana__edit.json")
    field = form.fields["image_urls"]
    one, two = _picture(tmp_path / "one.png", "red"), _picture(tmp_path / "two.png", "blue")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(one), QUrl.fromLocalFile(two)])
    field.dropEvent(
        QDropEvent(
            QPointF(5, 5),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )
    assert form.value()["image_urls"] == [one, two]
    assert not field.list.item(0).icon().isNull()
    field.url_edit.setText("file://" + one)  # a file:// URL is never sent: its path is
    qtbot.keyClick(field.url_edit, Qt.Key.Key_Return)
    assert form.value()["image_urls"] == [one, two, one]
    field.list.item(1).setSelected(True)
    field.left_button.click()
    assert form.value()["image_urls"] == [two, one, one]
    field.list.clearSelection()
    field.list.item(2).setSelected(True)
    field.remove_button.click()
    assert form.value()["image_urls"] == [two, one]
    image = QImage(20, 10, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkGreen)
    QGuiApplication.clipboard().setImage(image)
    field.paste_button.click()
    pasted = form.value()["image_urls"][-1]
    assert Path(pasted).is_file() and len(form.value()["image_urls"]) == 3


def test_a_nullable_number_is_not_set_until_chosen_and_can_be_unset(qtbot):
    form = _form(qtbot, "fal-ai__topaz__upscale__image.json")
    form.advanced_toggle.setChecked(True)
    sharpen = form.fields["sharpen"]
    assert sharpen.is_unset() and sharpen.set_button.isVisibleTo(form)
    assert not sharpen.spin.isVisibleTo(form) and "sharpen" not in form.value()
    qtbot.mouseClick(sharpen.set_button, Qt.MouseButton.LeftButton)
    assert sharpen.spin.isVisibleTo(form)
    sharpen.spin.setValue(0.4)
    assert form.value()["sharpen"] == 0.4
    qtbot.mouseClick(sharpen.unset_button, Qt.MouseButton.LeftButton)
    assert "sharpen" not in form.value() and sharpen.set_button.isVisibleTo(form)
    autoprompt = form.fields["autoprompt"]  # a nullable boolean: not false, not set
    assert autoprompt.is_unset() and "autoprompt" not in form.value()


def test_a_64_bit_seed_survives_set_payload_restore_payload(qtbot, tmp_path):
    form = _form(qtbot, "fal-ai__flux-lora.json")
    seed = form.fields["seed"]
    seed.random_box.setChecked(False)
    seed.edit.clear()
    qtbot.keyClicks(seed.edit, str(BIG_SEED))
    payload = form.value()
    assert payload["seed"] == BIG_SEED
    memory = FormMemory(tmp_path / "memory.json")  # what Reuse / restart restore from
    memory.remember("fal-ai/flux-lora", payload)
    again = _form(qtbot, "fal-ai__flux-lora.json")
    assert again.set_value(FormMemory(tmp_path / "memory.json").get("fal-ai/flux-lora")) == []
    assert again.value()["seed"] == BIG_SEED
    again.fields["seed"].set_last_seed(BIG_SEED - 1)
    again.fields["seed"].reuse_button.click()
    assert again.value()["seed"] == BIG_SEED - 1
    again.fields["seed"].edit.clear()
    qtbot.keyClicks(again.fields["seed"].edit, "99999999999999999999")  # past 2^64-1
    assert "at most" in again.fields["seed"].error_label.text()
    assert ("seed",) in [e.loc for e in again.validate()]  # said, and not run


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_an_image_url_gets_a_thumbnail_fetched_off_the_gui_thread(qtbot, tmp_path):
    _picture(tmp_path / "remote.png", "orange")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: _Quiet(*a, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        form = _form(qtbot, "fal-ai__topaz__upscale__image.json")
        url = f"http://127.0.0.1:{server.server_address[1]}/remote.png"
        form.fields["image_url"].set_value(url)
        thumb = form.fields["image_url"].thumb
        qtbot.waitUntil(
            lambda: thumb.pixmap() is not None and not thumb.pixmap().isNull(), timeout=10000
        )
        assert thumb.pixmap().width() <= 56
        assert url_thumbnails.thumbnails().request(url, 56) is not None  # cached now
    finally:
        server.shutdown()


def test_markup_in_a_description_shows_as_text(qtbot):
    form = _form(qtbot, "fal-ai__omnigen-v1.json")
    field = form.fields["input_image_urls"]
    assert field.spec.kind == "image_list"
    tip = field.toolTip()
    assert "&lt;img&gt;&lt;|image_1|&gt;&lt;/img&gt;" in tip and tip.startswith("<p>")
    from PySide6.QtGui import QTextDocument

    shown = QTextDocument()
    shown.setHtml(tip)  # what Qt's rich-text tooltip displays
    assert "<img><|image_1|></img>" in shown.toPlainText()


@pytest.fixture
def panel(qtbot, tmp_path):
    with Emulator() as emu:
        hosts = emu.hosts
    panel = ModelPanel(Catalog(tmp_path / "cache", hosts), FormMemory(tmp_path / "memory.json"))
    qtbot.addWidget(panel)
    return panel


def test_the_prompt_follows_between_text_to_image_models(qtbot, panel):
    panel.select_model("fal-ai/fast-sdxl")
    panel.form.fields["prompt"].set_value("a lighthouse at dusk")
    panel.form.fields["negative_prompt"].set_value("blurry")
    panel.select_model("fal-ai/flux/dev")
    assert panel.form.value()["prompt"] == "a lighthouse at dusk"
    panel.select_model("fal-ai/fast-lightning-sdxl")
    assert panel.form.value()["prompt"] == "a lighthouse at dusk"
    panel.select_model("fal-ai/esrgan")  # an upscaler takes no prompt from it
    panel.select_model("fal-ai/fast-sdxl")
    assert panel.form.value()["prompt"] == "a lighthouse at dusk"
    assert panel.form.value()["negative_prompt"] == "blurry"


def test_a_64_bit_seed_survives_run_result_reuse_run(qtbot, open_window):
    from tests.gui.conftest import rows, run_prompt

    window = open_window()
    row = run_prompt(qtbot, window, "a paper crane", num_inference_steps=1, seed=BIG_SEED)
    job = window.manager.store.get(row.job.id)
    assert job.inputs["seed"] == BIG_SEED
    window.model_panel.select_model("fal-ai/flux/dev")  # the user moved on
    assert window.session_ui.reuse(job)
    assert window.model_panel.form.value()["seed"] == BIG_SEED
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == 2, timeout=5000)
    assert window.manager.store.get(rows(window)[-1].job.id).inputs["seed"] == BIG_SEED
