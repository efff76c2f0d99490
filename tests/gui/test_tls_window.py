"""The window's jobs over HTTPS, as fal serves them: trusted through the system's store, or
refused with a sentence that says why and that nothing was sent (see tests/integration/test_tls.py).
"""

from __future__ import annotations

import ssl

import pytest
import trustme

from fal_desktop.api.tls import UNTRUSTED, system_trust
from fal_desktop.core.jobstore import JobState
from fal_desktop.emulator import Emulator
from tests.gui.conftest import KEY, rows, run_prompt


@pytest.fixture(params=["trusted", "untrusted"])
def trust(request):
    return request.param


@pytest.fixture
def emulator(trust, tmp_path, monkeypatch):
    """Overrides conftest's: every fal host answers HTTPS with a test CA's certificate; the
    system's trust store (SSL_CERT_FILE, inherited by the engine process) holds that CA or not."""
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    trusted = tmp_path / "system-ca.pem"
    (ca if trust == "trusted" else trustme.CA()).cert_pem.write_to_path(str(trusted))
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))
    system_trust.cache_clear()
    with Emulator(key=KEY, job_duration=0.2, tls=server) as emu:
        yield emu
    system_trust.cache_clear()


def test_jobs_over_https(qtbot, open_window, emulator, trust):
    window = open_window()
    if trust == "trusted":
        row = run_prompt(qtbot, window, "a lighthouse over TLS")
        assert row.files and row.files[0].endswith(".png")
        return
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value("intercepted")
    window.model_panel.run_button.click()
    qtbot.waitUntil(lambda: len(rows(window)) == 1, timeout=5000)
    row = rows(window)[0]
    qtbot.waitUntil(lambda: row.state is JobState.FAILED, timeout=20000)
    assert row.error == UNTRUSTED  # shown in the row and its tooltip
    assert not [r for r in emulator.requests if r.method == "POST"]  # no key, no input sent
