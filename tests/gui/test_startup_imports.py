"""What the window does NOT load on its way to usable (the form built, jobs resumed, the key
known): the slow imports are left to the moment they are needed. Checked in a fresh process,
as the app starts, at the moment it says it is ready."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.gui.conftest import KEY

# Each costs tens of milliseconds or more to import, and the first form needs none of them:
# jsonschema validates at Run; httpx/the client talk to fal (the jobs engine, or after ready);
# superqt/qtpy rebuild PySide6's enums; Pillow reads and writes files; keyring is not asked
# when FAL_KEY has the key; asyncio runs the jobs engine, in its own process.
SLOW = (
    "jsonschema",
    "httpx",
    "httpcore",
    "fal_desktop.api.client",
    "superqt",
    "qtpy",
    "PIL",
    "keyring",
    "asyncio",
    "ssl",  # the window's own calls to fal (prices, the catalog) come after usable
)

SCRIPT = """
import json, sys
from PySide6.QtWidgets import QApplication
from fal_desktop import app, startup

found = {}
real_trace = startup.trace

def trace(moment):
    real_trace(moment)
    if moment == "ready":
        window = next(w for w in QApplication.topLevelWidgets() if hasattr(w, "model_panel"))
        form = window.model_panel.form
        found["form"] = form.schema.endpoint_id if form is not None else None
        found["prompt"] = "prompt" in form.fields if form is not None else False
        found["values"] = form.value() if form is not None else None
        found["loaded"] = sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)

startup.trace = trace
nowhere = json.dumps(dict.fromkeys(("queue", "run", "rest", "cdn", "schemas", "platform"),
                                   "http://127.0.0.1:9"))
status = app.main(["--basedir", sys.argv[1], "--fal-hosts", nowhere, "--quit-when-ready"])
print(json.dumps({"status": status, **found}))
"""


REMEMBERED = {
    "__app__": {"endpoint": "fal-ai/flux/dev"},
    "fal-ai/flux/dev": {"prompt": "a lighthouse", "image_size": "square_hd", "seed": None},
}


@pytest.mark.parametrize("remembered", [False, True], ids=["first start", "values remembered"])
def test_the_first_form_is_usable_without_the_slow_imports(tmp_path, remembered):
    if remembered:  # the form's last values are checked against the schema as they come back
        config = tmp_path / "app" / "config"
        config.mkdir(parents=True)
        (config / "last-values.json").write_text(json.dumps(REMEMBERED))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FAL_KEY": KEY}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "app"), json.dumps(SLOW)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status"] == 0
    assert answer["form"] == "fal-ai/flux/dev" and answer["prompt"]  # the first form, built
    assert answer["loaded"] == []
    if remembered:  # restored, not dropped
        assert answer["values"] == {"prompt": "a lighthouse", "image_size": "square_hd"}
