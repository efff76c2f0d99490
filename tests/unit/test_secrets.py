"""The API key store: environment, session and keyring, in-memory and a real Secret Service."""

from __future__ import annotations

import uuid

import keyring
import pytest
from keyring.backends import fail

from fal_desktop.core.secrets import ApiKeyStore, KeySource, KeyStoreUnavailable, mask_key


def test_environment_key_wins_over_keyring(memory_keyring):
    store = ApiKeyStore(environ={"FAL_KEY": "env-id:env-secret"})
    store.save("stored-id:stored-secret")
    assert store.get() == "env-id:env-secret"
    assert store.source() is KeySource.ENVIRONMENT


def test_key_id_and_secret_pair_from_environment(memory_keyring):
    store = ApiKeyStore(environ={"FAL_KEY_ID": "abc", "FAL_KEY_SECRET": "def"})
    assert store.get() == "abc:def"


def test_save_read_remove_with_keyring(memory_keyring):
    store = ApiKeyStore(environ={})
    assert store.source() is KeySource.NONE and store.get() is None
    store.save("  id:secret \n")
    assert memory_keyring.items[("fal-desktop", "api-key")] == "id:secret"
    assert store.get() == "id:secret" and store.source() is KeySource.KEYRING
    store.remove()
    assert store.get() is None
    store.remove()  # removing twice is fine


def test_no_backend_offers_session_only():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = ApiKeyStore(environ={})
        assert "kept only until you quit" in store.keyring_problem()
        with pytest.raises(KeyStoreUnavailable):
            store.save("id:secret")
        assert store.get() is None
        store.use_for_session("id:secret")
        assert store.get() == "id:secret" and store.source() is KeySource.SESSION
    finally:
        keyring.set_keyring(previous)


def test_repr_and_mask_never_show_the_key(memory_keyring):
    key = "0123456789abcdef:fedcba9876543210"
    store = ApiKeyStore(environ={"FAL_KEY": key})
    assert key not in repr(store)
    masked = mask_key(key)
    assert masked.startswith("0123") and masked.endswith("3210") and "456789" not in masked
    assert mask_key("short") == "•••••"


# -- a real Secret Service (gnome-keyring on a private D-Bus session) -----------------


@pytest.mark.keyring
def test_real_secret_service_round_trip(secret_service):
    store = ApiKeyStore(environ={})
    assert store.keyring_problem() is None
    key = f"{uuid.uuid4().hex}:{uuid.uuid4().hex}"
    store.save(key)
    assert keyring.get_password("fal-desktop", "api-key") == key
    assert ApiKeyStore(environ={}).get() == key  # a new store (a restart) finds it
    assert store.source() is KeySource.KEYRING
    store.remove()
    assert ApiKeyStore(environ={}).get() is None
