"""fal's answer for an account out of credit is its own error, never a key problem."""

from __future__ import annotations

import httpx
import pytest

from fal_desktop.api import AuthError, BalanceExhaustedError
from fal_desktop.api.errors import error_from_response
from fal_desktop.app import key_tester
from tests.unit.api_fixtures import make_client, run

LOCKED = {
    "detail": "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."
}
REQ = httpx.Request("POST", "https://queue.test/fal-ai/flux/schnell")


def test_the_exhausted_balance_403_is_its_own_error_with_its_own_sentence():
    error = error_from_response(httpx.Response(403, json=LOCKED, request=REQ))
    assert type(error) is BalanceExhaustedError and not isinstance(error, AuthError)
    assert error.user_message == "Your fal balance is used up — top up at fal.ai/dashboard/billing."
    assert "Exhausted balance" in error.detail_text
    other = error_from_response(httpx.Response(403, json={"detail": "Forbidden"}, request=REQ))
    assert type(other) is AuthError  # any other 403 stays what it was


@pytest.mark.parametrize("call", ["submit", "upload"])
def test_submit_and_the_storage_token_raise_it(call):
    client = make_client(lambda request: httpx.Response(403, json=LOCKED))

    async def go():
        async with client:
            if call == "submit":
                await client.submit("fal-ai/flux/schnell", {"prompt": "x"})
            else:
                await client.upload_bytes(b"abc", "text/plain", "a.txt")

    with pytest.raises(BalanceExhaustedError):
        run(go())


def test_the_key_test_does_not_call_the_key_wrong():
    from fal_desktop.emulator import Emulator

    with Emulator(key="k:s", out_of_credit=True) as emulator:
        # The test is fal's free catalog call, which an account out of credit may still make:
        # the key works, and it is not called wrong.
        assert key_tester(emulator.hosts)("k:s") is None
        assert "did not accept" in key_tester(emulator.hosts)("wrong:key")


def test_the_key_test_says_an_admin_keys_account_has_no_credit_left():
    from fal_desktop.app import NO_CREDIT
    from fal_desktop.emulator import Emulator

    with Emulator(key="k:s", admin_key="adm:s") as emulator:
        test = key_tester(emulator.hosts)
        assert test("adm:s") is None  # credit left: the key works
        emulator.out_of_credit = True
        assert test("adm:s") == NO_CREDIT  # the balance is read: jobs would be refused
        assert test("k:s") is None  # an API key cannot read it: nothing is said
        emulator.out_of_credit = False
        emulator.platform.balance = -0.5  # below zero: fal locks the account
        assert test("adm:s") == NO_CREDIT
        billing = [r for r in emulator.requests if r.path.startswith("/v1/account/billing")]
        assert billing and all("expand=credits" in r.query for r in billing)


def test_the_platform_apis_exhausted_balance_403_is_no_credit_not_a_refused_key(monkeypatch):
    """fal locks an account out of credit for its API requests (fal-platform.md §4) with the
    same 403 as on submit (reference §17): the key is fine, the account needs topping up."""
    from fal_desktop.api import FalHosts
    from fal_desktop.api import platform as platform_api
    from fal_desktop.app import NO_CREDIT

    locked = httpx.MockTransport(lambda request: httpx.Response(403, json=LOCKED))
    real = platform_api.PlatformClient

    class Locked(real):
        def __init__(self, key, hosts, http=None, timeout=20.0):
            super().__init__(key, hosts, httpx.Client(transport=locked), timeout)
            self._owns_http = True  # closed with the client

    hosts = FalHosts()
    with Locked("k:s", hosts) as client:
        with pytest.raises(BalanceExhaustedError):
            client.check_key()
        with pytest.raises(BalanceExhaustedError):
            client.balance()
    monkeypatch.setattr(platform_api, "PlatformClient", Locked)
    assert key_tester(hosts)("k:s") == NO_CREDIT
