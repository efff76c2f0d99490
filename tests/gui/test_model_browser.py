"""The model browser through the real window: search as you type, filter, pick → form;
favourites survive a restart; offline it shows the saved catalog. And the price beside Run,
the deprecated warning, the estimated total before a batch and the ADMIN balance."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMenu

from fal_desktop.emulator import load_schemas


def _browser(qtbot, window, *, fetched=True):
    window.model_panel.browse_button.click()
    browser = window.platform_ui.browser
    assert browser is not None and browser.isVisible()
    browser.activateWindow()  # what the click asked for; the platform's answer is queued
    qtbot.waitUntil(browser.isActiveWindow)
    if fetched:
        qtbot.waitUntil(lambda: not browser.fetching, timeout=15000)
    return browser


def _menu_action(window, text):
    [action] = [
        a
        for menu in window.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if a.text() == text
    ]
    return action


def test_type_to_search_filter_and_pick_loads_the_form(qtbot, open_window, emulator):
    emulator.platform.set_catalog_size(300)
    window = open_window()
    browser = _browser(qtbot, window)
    assert "fal's catalog as of" in browser.status.text()
    assert len(browser.shown_ids()) == 300 + len(load_schemas())
    qtbot.keyClicks(browser.search, "schnel")  # one keystroke at a time, as a user types
    assert browser.shown_ids() == ["fal-ai/flux/schnell"]
    browser.search.clear()
    qtbot.keyClicks(browser.search, "upscaling for photos")  # matches the description
    assert browser.shown_ids() == ["fal-ai/esrgan"]
    browser.search.clear()
    browser.category.setCurrentIndex(browser.category.findText("Upscaling"))
    upscalers = browser.shown_ids()
    assert {"fal-ai/aura-sr", "fal-ai/ccsr", "fal-ai/clarity-upscaler", "fal-ai/esrgan"} <= set(
        upscalers
    )
    assert "fal-ai/flux/dev" not in upscalers
    browser.category.setCurrentIndex(browser.category.findText("Inpainting"))
    assert browser.shown_ids() and all(
        "inpainting" in browser.model.models[browser.model.row_of(e)].tags
        for e in browser.shown_ids()
    )
    browser.category.setCurrentIndex(0)
    qtbot.keyClicks(browser.search, "clarity")
    qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    assert not browser.isVisible()
    qtbot.waitUntil(
        lambda: window.model_panel.endpoint_id == "fal-ai/clarity-upscaler", timeout=5000
    )
    assert "image_url" in window.model_panel.form.fields
    assert window.model_panel.picker.currentText().strip() == "Clarity Upscaler"  # display names


def test_ctrl_l_opens_it_and_a_loaded_model_is_picked_through_fal(
    qtbot, open_window, emulator, tmp_path
):
    window = open_window()
    _menu_action(window, "&Browse models…").trigger()
    browser = window.platform_ui.browser
    assert (
        browser.isVisible()
        and _menu_action(window, "&Browse models…").shortcut().toString() == "Ctrl+L"
    )
    qtbot.waitUntil(lambda: not browser.fetching, timeout=15000)
    browser.deprecated.setChecked(False)
    assert "fal-ai/creative-upscaler" not in browser.shown_ids()
    browser.deprecated.setChecked(True)
    qtbot.keyClicks(browser.search, "creative")
    assert browser.shown_ids() == ["fal-ai/creative-upscaler"]
    browser.use_button.click()
    qtbot.waitUntil(
        lambda: window.model_panel.endpoint_id == "fal-ai/creative-upscaler", timeout=5000
    )
    qtbot.waitUntil(
        lambda: "deprecated" in window.notice.label.text() and window.notice.isVisible(),
        timeout=5000,
    )


def test_favourites_and_recent_come_first_and_survive_a_restart(qtbot, open_window):
    window = open_window()
    browser = _browser(qtbot, window)
    qtbot.keyClicks(browser.search, "esrgan")
    browser.favourite_button.click()
    assert browser.favourite_button.text() == "★ Unfavourite"
    window.model_panel.select_model("fal-ai/recraft-v3")  # recently used
    window.close()
    again = open_window()
    browser = _browser(qtbot, again)
    top = browser.shown_ids()[:3]
    assert top[0] == "fal-ai/esrgan"
    assert "fal-ai/recraft-v3" in top
    qtbot.keyClicks(browser.search, "esrgan")
    assert browser.favourite_button.text() == "★ Unfavourite"


def test_offline_it_shows_the_saved_catalog(qtbot, open_window, emulator):
    emulator.platform.set_catalog_size(40)
    window = open_window()
    browser = _browser(qtbot, window)
    catalog_file = window.platform_ui.directory.path
    assert len(browser.shown_ids()) == 40 + len(load_schemas())
    window.close()
    saved = json.loads(catalog_file.read_text())
    catalog_file.write_text(
        json.dumps({**saved, "saved_at": saved["saved_at"] - 3600})
    )  # an hour old
    emulator.set_faults({503: 1.0}, roles=("platform",))  # fal's Platform API is unreachable
    again = open_window()
    browser = _browser(qtbot, again)
    assert "Offline: showing the catalog saved" in browser.status.text()
    assert len(browser.shown_ids()) == 40 + len(load_schemas())
    qtbot.keyClicks(browser.search, "tundra")
    assert browser.shown_ids() and all("tundra" in e for e in browser.shown_ids())


def test_price_beside_run_follows_the_form(qtbot, open_window):
    window = open_window()
    panel = window.model_panel
    panel.select_model("fal-ai/flux/dev")
    qtbot.waitUntil(lambda: panel.price_label.text() != "", timeout=10000)
    panel.form.fields["num_images"].set_value(4)
    qtbot.waitUntil(
        lambda: panel.price_label.text() == "≈ $0.025 per image · 4 images ≈ $0.10", timeout=5000
    )
    panel.select_model("fal-ai/flux/schnell")
    qtbot.waitUntil(  # nothing set: priced at the size fal will use, the schema's default
        lambda: panel.price_label.text() == "≈ $0.0024 per image (1024×768 at $0.003/MP)",
        timeout=5000,
    )
    assert "image_size" not in panel.form.value()  # and still not sent
    panel.form.fields["image_size"].set_value("square_hd")
    panel.form.fields["num_images"].set_value(2)
    qtbot.waitUntil(
        lambda: (
            panel.price_label.text()
            == "≈ $0.0031 per image (1024×1024 at $0.003/MP) · 2 images ≈ $0.0063"
        ),
        timeout=5000,
    )
    panel.select_model("fal-ai/aura-sr")  # per compute second: varies, and the typical cost
    qtbot.waitUntil(lambda: "typically ≈ $0.0059 a run" in panel.price_label.text(), timeout=10000)
    assert panel.price_label.text().startswith("$0.00111 per compute second · varies")


def test_every_bundled_model_shows_a_price_in_the_sandbox(qtbot, open_window):
    window = open_window(sandbox=True)
    panel = window.model_panel
    for endpoint_id in sorted(load_schemas()):
        panel.select_model(endpoint_id)
        qtbot.waitUntil(
            lambda: panel.price_label.isVisible() and "$" in panel.price_label.text(), timeout=10000
        )


def test_a_batch_of_drops_shows_its_estimated_total_first(
    qtbot, open_window, tmp_path, emulator, money_questions
):
    from PIL import Image

    window = open_window()
    window.model_panel.select_model("fal-ai/flux/dev")
    qtbot.waitUntil(
        lambda: window.platform_ui.prices.price("fal-ai/esrgan") is not None, timeout=10000
    )
    window.platform_ui.prices._typical["fal-ai/esrgan"] = (__import__("time").time(), 0.0024)
    files = []
    for n in range(3):
        Image.new("RGB", (32, 32), (n * 40, 0, 0)).save(tmp_path / f"in{n}.png")
        files.append(str(tmp_path / f"in{n}.png"))
    window.model_panel.select_model("fal-ai/esrgan")
    seen = []
    window.manager.job_added.connect(lambda *_: seen.append(list(money_questions.asked)))
    money_questions.send_batch = False  # Cancel: nothing is sent
    assert window.upscale(files) == []
    assert not seen and len(money_questions.of("batch")) == 1
    money_questions.send_batch = True
    ids = window.upscale(files)
    assert len(ids) == 3
    assert "Estimated total: ≈\u00a0$0.0072" in money_questions.of("batch")[1]
    assert len(seen[0]) == 2  # asked before the first job was added


def test_admin_key_shows_the_balance_and_a_normal_key_shows_none(qtbot, open_window, emulator):
    window = open_window()
    qtbot.waitUntil(lambda: window.platform_ui.work.wait(0), timeout=10000)
    assert window.platform_ui.balance_label is None
    emulator.platform.admin_key = "admin-key:secret"
    window.close()
    admin = open_window(key="admin-key:secret")
    qtbot.waitUntil(lambda: admin.platform_ui.balance_label is not None, timeout=10000)
    label = admin.platform_ui.balance_label
    assert label.text() == "Balance: $24.50" and isinstance(label, QLabel)
    qtbot.waitUntil(label.isVisible, timeout=5000)


def test_a_saved_form_on_a_deprecated_model_warns_at_start(qtbot, open_window):
    window = open_window()
    qtbot.waitUntil(
        lambda: window.platform_ui.directory.saved_at is not None, timeout=10000
    )  # fetched at start
    window.model_panel.select_model("fal-ai/creative-upscaler")
    window.close()
    again = open_window()
    assert again.model_panel.endpoint_id == "fal-ai/creative-upscaler"  # the saved form is back
    qtbot.waitUntil(
        lambda: (
            "Creative Upscaler (fal-ai/creative-upscaler) is deprecated at fal"
            in again.notice.label.text()
        ),
        timeout=5000,
    )
    assert again.model_panel.picker.currentText().strip() == "Creative Upscaler"


def test_typing_selects_the_top_match_and_arrows_move_from_the_search_box(qtbot, open_window):
    window = open_window()
    browser = _browser(qtbot, window)
    qtbot.keyClicks(browser.search, "flux")
    shown = browser.shown_ids()
    assert len(shown) >= 3 and browser.current().endpoint_id == shown[0]
    qtbot.keyClick(browser.search, Qt.Key.Key_Down)
    assert browser.current().endpoint_id == shown[1] and browser.search.hasFocus()
    qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.model_panel.endpoint_id == shown[1], timeout=5000)


def test_a_rate_limited_estimate_is_asked_again_after_retry_after(qtbot, open_window, emulator):
    emulator.platform.estimate_limit, emulator.platform.estimate_window = 1, 2.0
    window = open_window()
    panel = window.model_panel
    panel.select_model("fal-ai/aura-sr")
    qtbot.waitUntil(lambda: "typically ≈ $0.0059 a run" in panel.price_label.text(), timeout=10000)
    panel.select_model(
        "fal-ai/esrgan"
    )  # fal answers 429 with Retry-After: the unit price meanwhile
    qtbot.waitUntil(lambda: window.platform_ui.prices.estimates_paused_until > 0, timeout=10000)
    assert panel.price_label.text() == "$0.00111 per compute second · varies"
    qtbot.waitUntil(lambda: "typically ≈ $0.0024 a run" in panel.price_label.text(), timeout=15000)
    estimates = [r for r in emulator.requests if r.path == "/v1/models/pricing/estimate"]
    assert len(estimates) == 3  # aura-sr, esrgan refused, esrgan again after the wait


def test_the_browser_opens_with_a_model_selected(qtbot, open_window):
    window = open_window()
    browser = _browser(qtbot, window)
    browser.close()
    browser = _browser(qtbot, window)  # opened again: the same dialog, the top row selected
    assert browser.current() is not None and browser.current().endpoint_id == browser.shown_ids()[0]
    assert browser.use_button.isEnabled()


def test_a_model_only_fal_has_is_loaded_through_the_schema_cache(qtbot, open_window, emulator):
    import json as _json

    from fal_desktop.api.openapi import EndpointSchema

    document = _json.loads(
        _json.dumps(emulator.service.schemas["fal-ai/esrgan"].document).replace(
            "fal-ai/esrgan", "acme/sharpen"
        )
    )
    emulator.service.schemas["acme/sharpen"] = EndpointSchema.from_document(document)
    emulator.platform.set_catalog_size(0)  # the catalog is built again, with it
    window = open_window()
    browser = _browser(qtbot, window)
    qtbot.keyClicks(browser.search, "sharpen")
    assert browser.shown_ids() == ["acme/sharpen"]
    qtbot.keyClick(browser.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.model_panel.endpoint_id == "acme/sharpen", timeout=10000)
    assert (
        window.paths.schema_cache / "acme__sharpen.json"
    ).is_file()  # the same cache as a typed id


def _unreachable() -> str:
    """A loopback address nothing listens on: connecting is refused at once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_offline_the_bundled_models_show_their_names_not_their_ids(qtbot, open_window, emulator):
    from dataclasses import replace

    window = open_window(hosts=replace(emulator.hosts, platform=_unreachable()))
    platform = window.platform_ui
    qtbot.waitUntil(lambda: platform._started and platform.work.wait(0), timeout=10000)
    assert platform.directory.saved_at is None  # fal's catalog was never fetched
    picker = window.model_panel.picker
    shown = {
        picker.itemData(row, Qt.ItemDataRole.UserRole): picker.itemText(row).strip()
        for row in range(picker.count())
        if picker.itemData(row, Qt.ItemDataRole.UserRole)
    }
    assert len(shown) == len(load_schemas())
    assert shown["fal-ai/flux/dev"] == "FLUX.1 [dev]"
    assert shown["fal-ai/clarity-upscaler"] == "Clarity Upscaler"
    assert shown["fal-ai/aura-sr"] == "AuraSR"
    assert list(shown.values())[:3] == ["FLUX.1 [dev]", "FLUX.1 [schnell]", "FLUX1.1 [pro]"]
    for endpoint_id, text in shown.items():  # a name, never the id (nor the id's tail)
        assert "/" not in text and text not in endpoint_id, (endpoint_id, text)
    flux_row = picker.findData("fal-ai/flux/dev", Qt.ItemDataRole.UserRole)
    assert picker.itemData(flux_row, Qt.ItemDataRole.ToolTipRole) == "fal-ai/flux/dev"
    window.model_panel.select_model("fal-ai/esrgan")
    assert picker.currentText().strip() == "Upscale Images"
    browser = _browser(qtbot, window)  # the browser lists them by name too
    qtbot.keyClicks(browser.search, "schnell")
    assert browser.current().display_name == "FLUX.1 [schnell]"
