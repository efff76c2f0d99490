"""HTTPS as fal serves it: the app trusts what the operating system trusts (truststore).

The emulator answers HTTPS with a certificate from a test CA. "The system trusts it" is
``SSL_CERT_FILE`` naming that CA, which OpenSSL's default verify paths — and so truststore on
Linux — honour, as they honour a company proxy's CA installed with update-ca-certificates.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import httpx
import pytest
import trustme

from fal_desktop.api import FalClient, FalError, NetworkError
from fal_desktop.api.errors import ErrorKind
from fal_desktop.api.platform import PlatformClient
from fal_desktop.api.retry import RetryPolicy
from fal_desktop.api.tls import UNTRUSTED, system_trust
from fal_desktop.core.catalog import Catalog
from fal_desktop.emulator import Emulator
from tests.integration.conftest import KEY

SCHEMAS = Path(__file__).parents[1] / "data" / "schemas"
FAST = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def https_emulator(ca):
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server)
    with Emulator(key=KEY, schema_dirs=[SCHEMAS], job_duration=0.1, tls=server) as emu:
        assert emu.hosts.queue.startswith("https://")
        yield emu


@pytest.fixture(autouse=True)
def fresh_context():
    """The process's one context loads the trust store once; each test here changes it."""
    system_trust.cache_clear()
    yield
    system_trust.cache_clear()


@pytest.fixture
def system_trusts(ca, tmp_path, monkeypatch):
    """The operating system's trust store holds the test CA (as an installed proxy CA would)."""
    path = tmp_path / "system-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture
def system_trusts_another(tmp_path, monkeypatch):
    path = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "no-such-dir"))


def test_a_whole_job_over_https_trusted_by_the_system(https_emulator, system_trusts, tmp_path):
    async def go():
        async with FalClient(KEY, https_emulator.hosts, retry=FAST, poll_interval=0.05) as client:
            handle = await client.submit("fal-ai/flux/schnell", {"prompt": "over TLS", "seed": 3})
            statuses = [s async for s in client.watch(handle)]
            output = await client.result(handle)
            return statuses, await client.download(output["images"][0]["url"])

    statuses, data = asyncio.run(go())
    assert statuses[-1].error is None and data[:8] == b"\x89PNG\r\n\x1a\n"
    with PlatformClient(lambda: KEY, https_emulator.hosts) as platform:
        platform.check_key()
        assert platform.models_page(limit=5).models
    schema = Catalog(tmp_path / "schemas", https_emulator.hosts).load("fal-ai/flux-lora")
    assert schema.endpoint_id == "fal-ai/flux-lora"


def test_an_untrusted_certificate_sends_nothing_and_says_why(https_emulator, system_trusts_another):
    before = len(https_emulator.requests)

    async def submit():
        async with FalClient(KEY, https_emulator.hosts, retry=FAST) as client:
            await client.submit("fal-ai/flux/schnell", {"prompt": "intercepted"})

    with pytest.raises(NetworkError) as caught:
        asyncio.run(submit())
    assert caught.value.user_message == UNTRUSTED
    assert caught.value.kind is not ErrorKind.MAYBE_SENT  # nothing left, safe to run again
    assert "CERTIFICATE_VERIFY_FAILED" in caught.value.detail_text
    assert type(system_trust()).__module__.startswith("truststore")  # the system store, not certifi
    assert len(https_emulator.requests) == before  # the key and the input never left
    with (
        PlatformClient(lambda: KEY, https_emulator.hosts) as platform,
        pytest.raises(FalError, match="not trusted by this computer"),
    ):
        platform.check_key()
    with httpx.Client(verify=False) as plain:  # the server is up: it is the trust that failed
        assert plain.get(https_emulator.hosts.queue + "/fal-ai/flux/schnell").status_code
