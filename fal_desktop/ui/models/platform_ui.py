"""What the window shows from fal's Platform API: the model browser, the price beside Run,
a deprecated model's warning, and (ADMIN key) the account
balance in the status bar. Nothing here may stop a job: without prices or a catalog, the app
works as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow

from fal_desktop.api.platform import PlatformClient
from fal_desktop.core.catalog import Catalog
from fal_desktop.core.model_directory import ModelDirectory, ModelInfo, ModelPicks
from fal_desktop.core.paths import AppPaths
from fal_desktop.core.price_text import money, per_run_cost, price_line
from fal_desktop.core.prices import DAY, PriceBook
from fal_desktop.widgets.background import Background

if TYPE_CHECKING:
    from fal_desktop.ui.models.browser import ModelBrowser
    from fal_desktop.ui.models.panel import ModelPanel

__all__ = ["PlatformUI", "PlatformWindow"]


class _Notice(Protocol):
    def show_message(self, text: str, action: str | None = None, *, info: bool = False) -> None: ...


class PlatformWindow(Protocol):
    """What :class:`PlatformUI` uses of the main window's parts (the window is not imported
    here: it imports this)."""

    @property
    def paths(self) -> AppPaths: ...

    @property
    def model_panel(self) -> ModelPanel: ...

    @property
    def notice(self) -> _Notice: ...


def bundled_infos(catalog: Catalog) -> list[ModelInfo]:
    """The bundled models as the browser lists them before fal's catalog has been fetched."""
    infos = []
    for entry in catalog.entries():
        upscaler = "upscal" in entry.endpoint_id or entry.endpoint_id in (
            "fal-ai/esrgan",
            "fal-ai/aura-sr",
            "fal-ai/ccsr",
        )
        tags = ("upscaling",) if upscaler else ()
        infos.append(ModelInfo(entry.endpoint_id, entry.title, entry.category, tags=tags))
    return infos


class PlatformUI(QObject):
    #: Unit prices came from fal (the ids asked for): costs waiting for them can be filled in.
    prices_arrived = Signal(list)
    #: Asking fal for these ids' prices failed (offline, fal down).
    prices_failed = Signal(list)

    def __init__(
        self,
        host: PlatformWindow,
        window: QMainWindow,
        catalog: Catalog,
        key: Callable[[], str | None],
    ) -> None:
        """``host``: the window's parts used here; ``window``: the main window itself, which
        parents the browser and shows the balance in its status bar; ``key()``: the API key."""
        super().__init__(window)
        self.window, self.catalog, self.host = window, catalog, host
        cache = self.host.paths.cache / "platform"
        self.client = lambda: PlatformClient(key, catalog.hosts)
        self.directory = ModelDirectory(cache / "models.json", bundled_infos(catalog))
        self.picks = ModelPicks(self.host.paths.config / "model-picks.json")
        self.prices = PriceBook(cache / "prices.json", self.client)
        self.thumbnails = cache / "thumbnails"
        self.browser: ModelBrowser | None = None
        self.work = Background(self, threads=1)  # prices and estimates: one call at a time
        self.balance_label: QLabel | None = (
            None  # a status bar only once there is a balance to show
        )
        panel = self.host.model_panel
        self.label = panel.price_label
        panel.browse_requested.connect(self.open_browser)
        panel.model_changed.connect(self._model_changed)
        self._asked_estimate: set[str] = set()
        self._retry_pending = False
        self._asking_prices: set[str] = set()
        self._started = False  # until _fetch_at_start, a model shown waits for its price there
        # Once the window is usable (the event loop runs again): these threads would otherwise
        # compete with the start for the interpreter (httpx's imports, JSON).
        QTimer.singleShot(0, self, self._fetch_at_start)

    def _fetch_at_start(self) -> None:
        """Prices, the balance, and fal's catalog if the saved one is a day old."""
        self._started = True
        shown = self.host.model_panel.endpoint_id
        self.want_prices(
            [e.endpoint_id for e in self.catalog.entries()] + ([shown] if shown else [])
        )
        self.work.run(self._balance, done=self._show_balance, failed=lambda _: None)
        if not self.directory.saved_at or time.time() - self.directory.saved_at > DAY:
            self.work.run(
                self._fetch_catalog, done=lambda _: self._catalog_arrived(), failed=lambda _: None
            )

    def _fetch_catalog(self) -> list[ModelInfo]:
        with self.client() as client:
            return self.directory.fetch(client)

    def _catalog_arrived(self) -> None:
        """Display names for the picker, and the deprecated warning for the model on screen."""
        self.name_picker()
        endpoint_id = self.host.model_panel.endpoint_id
        if endpoint_id:
            self._warn_if_deprecated(endpoint_id)
        if self.browser is not None:
            self.browser.show_models(self.directory.models)
            self.browser.say_saved()

    # -- the browser -------------------------------------------------------------------

    def open_browser(self) -> ModelBrowser:
        from fal_desktop.ui.models.browser import ModelBrowser

        if self.browser is None:
            self.browser = ModelBrowser(
                self.directory, self.picks, self.client, self.thumbnails, self.window
            )
            self.browser.chosen.connect(self.host.model_panel.select_model)
            self.browser.fetched.connect(self.name_picker)
        self.browser.show_models(self.directory.models)  # recent models changed meanwhile
        self.browser.show()
        self.browser.raise_()
        self.browser.activateWindow()
        self.browser.search.setFocus()
        self.browser.search.selectAll()
        self.browser.refresh()
        return self.browser

    def shutdown(self) -> None:
        self.work.stop()
        if self.browser is not None:
            self.browser.shutdown()

    # -- the current model ---------------------------------------------------------------

    def name_picker(self) -> None:
        """The model picker shows fal's display names (the id in the tooltip)."""
        picker = self.host.model_panel.picker
        for row in range(picker.count()):
            endpoint_id = picker.itemData(row, Qt.ItemDataRole.UserRole)
            info = self.directory.find(endpoint_id) if endpoint_id else None
            if info is not None:
                picker.setItemText(row, "   " + info.display_name)
                picker.setItemData(row, endpoint_id, Qt.ItemDataRole.ToolTipRole)

    def _model_changed(self, endpoint_id: str) -> None:
        self.picks.used(endpoint_id)
        self.name_picker()
        form = self.host.model_panel.form
        if form is not None:
            form.value_changed.connect(self.update_price)
        # After the window's own start-up messages (the key check clears the banner).
        QTimer.singleShot(0, self, lambda: self._warn_if_deprecated(endpoint_id))
        self.update_price()
        if self._started:  # else _fetch_at_start asks for it
            self.want_prices([endpoint_id])

    def want_prices(self, endpoint_ids: list[str]) -> None:
        """Ask fal for the unit prices not known today (not those already being asked for);
        ``prices_arrived`` or ``prices_failed`` says how it went."""
        wanted = [
            e
            for e in dict.fromkeys(endpoint_ids)
            if not self.prices.known(e) and e not in self._asking_prices
        ]
        if not wanted:
            return
        self._asking_prices.update(wanted)

        def arrived(_prices: object) -> None:
            self._asking_prices.difference_update(wanted)
            self.update_price()
            self.prices_arrived.emit(wanted)

        def failed(_error: object) -> None:
            self._asking_prices.difference_update(wanted)
            self.prices_failed.emit(wanted)

        self.work.run(self.prices.fetch_prices, wanted, done=arrived, failed=failed)

    def _warn_if_deprecated(self, endpoint_id: str) -> None:
        if self.host.model_panel.endpoint_id != endpoint_id:
            return  # another model is on screen by now
        info = self.directory.find(endpoint_id)
        if info is not None and info.deprecated:
            self.host.notice.show_message(
                f"{info.display_name} ({endpoint_id}) is deprecated at fal: it may stop working. "
                "Browse models (Ctrl+L) for its successor."
            )

    def _values(self) -> tuple[str | None, dict[str, Any]]:
        form = self.host.model_panel.form
        if form is None:
            return None, {}
        return form.schema.endpoint_id, {**form.schema.input_defaults(), **form.value()}

    def update_price(self) -> None:
        endpoint_id, values = self._values()
        price = self.prices.price(endpoint_id) if endpoint_id else None
        typical = self.prices.typical(endpoint_id) if endpoint_id else None
        text = price_line(price, values, typical)
        self.label.setText(text)
        self.label.setToolTip(
            f"fal's price for {endpoint_id}: ${price.unit_price} per {price.unit}" if price else ""
        )
        self.label.setVisible(bool(text))
        if (
            endpoint_id is None
            or price is None
            or per_run_cost(price, values) is not None
            or typical is not None
            or endpoint_id in self._asked_estimate
        ):
            return
        wait = self.prices.estimates_paused_until - time.time()
        if wait > 0:  # fal said 429: ask once its Retry-After has passed
            if not self._retry_pending:
                self._retry_pending = True
                QTimer.singleShot(int(wait * 1000) + 100, self, self._retry_estimate)
            return
        self._asked_estimate.add(endpoint_id)  # once per model and start: fal rate-limits it hard
        self.work.run(
            self.prices.fetch_typical,
            endpoint_id,
            done=lambda cost: self._typical_arrived(endpoint_id, cost),
            failed=lambda _: None,
        )

    def _retry_estimate(self) -> None:
        self._retry_pending = False
        self.update_price()

    def _typical_arrived(self, endpoint_id: str, cost: float | None) -> None:
        if cost is None and self.prices.estimates_paused_until > time.time():
            self._asked_estimate.discard(endpoint_id)  # refused for now, not for good
        self.update_price()

    # -- ADMIN balance -------------------------------------------------------------------

    def _balance(self) -> tuple[float, str] | None:
        with self.client() as client:
            return client.balance()

    def _show_balance(self, balance: tuple[float, str] | None) -> None:
        if balance is None:
            return  # a normal key: fal keeps the balance for ADMIN keys
        amount, currency = balance
        if self.balance_label is None:
            self.balance_label = QLabel(self.window)
            self.balance_label.setToolTip(
                "Your fal account's credit balance (shown with an ADMIN key)"
            )
            bar = self.window.statusBar()
            bar.addPermanentWidget(self.balance_label)
            bar.show()
        self.balance_label.setText(
            f"Balance: {money(amount)}"
            if currency == "USD"
            else f"Balance: {amount:.2f} {currency}"
        )
