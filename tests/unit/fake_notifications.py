# ruff: noqa: F722, F821 - dbus-fast reads D-Bus signatures from the annotations
"""A fake freedesktop notification service on the session bus, then one notification sent by
the app's own function; prints what the service received (as JSON). Run under
``dbus-run-session`` (tests/unit/test_desktop_notification.py)."""

import asyncio
import json
import sys
import threading

from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method

received: list = []


class Notifications(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")

    @method()
    def Notify(  # noqa: N802, PLR0913 - the freedesktop signature
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        received.append({"app": app_name, "summary": summary, "body": body})
        return 1

    @method()
    def GetCapabilities(self) -> "as":  # noqa: N802
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":  # noqa: N802
        return ["fake", "fal-desktop tests", "1.0", "1.2"]

    @method()
    def CloseNotification(self, id: "u"):  # noqa: N802, A002, F821, ANN201
        return None


def serve(ready: threading.Event) -> None:
    async def run() -> None:
        bus = await MessageBus().connect()
        bus.export("/org/freedesktop/Notifications", Notifications())
        await bus.request_name("org.freedesktop.Notifications")
        ready.set()
        await asyncio.Event().wait()

    asyncio.run(run())


def main() -> int:
    from fal_desktop.ui.window.notify import send_desktop_notification

    if "--no-service" not in sys.argv:
        ready = threading.Event()
        threading.Thread(target=serve, args=(ready,), daemon=True).start()
        ready.wait(20)
    taken = send_desktop_notification("fal desktop", "3 of 3 jobs are done.")
    print(json.dumps({"taken": taken, "received": received}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
