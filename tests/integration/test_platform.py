"""fal's Platform API over real sockets: the emulator's ``platform`` role and the app's client
and caches (catalog paging and offline copy, prices by 50, estimates and 429, ADMIN balance)."""

from __future__ import annotations

import httpx
import pytest

from fal_desktop.api import AuthError
from fal_desktop.api.platform import PlatformClient
from fal_desktop.core.model_directory import ModelDirectory, ModelInfo, ModelPicks, matches_filter
from fal_desktop.core.prices import DAY, PriceBook
from fal_desktop.emulator import Emulator, load_schemas

KEY = "platform-test:secret"
ADMIN = "platform-admin:secret"


@pytest.fixture(scope="module")
def emulator():
    with Emulator(key=KEY, admin_key=ADMIN, catalog_size=230) as emu:
        assert emu.platform.estimate_limit == 3  # like fal, by default
        emu.platform.estimate_limit = None
        yield emu


def platform_requests(emulator, path):
    return [r for r in emulator.requests if r.role == "platform" and r.path == path]


def test_catalog_pages_by_cursor_and_holds_every_bundled_model(emulator):
    with PlatformClient(None, emulator.hosts) as client:  # the catalog needs no key
        pages = list(client.all_models(limit=50))
    ids = [m["endpoint_id"] for page in pages for m in page.models]
    assert len(pages) == 5 and not pages[-1].has_more and pages[-1].next_cursor is None
    assert len(ids) == len(set(ids)) == 230 + len(load_schemas())
    assert set(load_schemas()) <= set(ids)
    flux = next(m for p in pages for m in p.models if m["endpoint_id"] == "fal-ai/flux/dev")[
        "metadata"
    ]
    assert flux["display_name"] == "FLUX.1 [dev]" and flux["category"] == "text-to-image"
    thumbnail = httpx.get(flux["thumbnail_url"])  # served by the emulator's CDN
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\x89PNG")


def test_find_search_category_status_and_openapi(emulator):
    with PlatformClient(KEY, emulator.hosts) as client:
        found = client.models_page(
            endpoint_ids=["fal-ai/esrgan", "fal-ai/flux/dev"], expand=["openapi-3.0"]
        )
        assert {m["endpoint_id"] for m in found.models} == {"fal-ai/esrgan", "fal-ai/flux/dev"}
        assert all(m["openapi"]["openapi"].startswith("3.") for m in found.models)
        upscalers = client.models_page(q="upscaling", category="image-to-image").models
        assert {"fal-ai/aura-sr", "fal-ai/clarity-upscaler"} <= {
            m["endpoint_id"] for m in upscalers
        }
        deprecated = client.models_page(status="deprecated", limit=100).models
        assert "fal-ai/creative-upscaler" in {m["endpoint_id"] for m in deprecated}
        assert all(m["metadata"]["status"] == "deprecated" for m in deprecated)


def test_every_bundled_model_has_a_price_and_ids_go_50_at_a_time(emulator, tmp_path):
    bundled = sorted(load_schemas())
    synthetic = [
        m["endpoint_id"]
        for m in PlatformClient(None, emulator.hosts).models_page(q="synthetic", limit=100).models
    ]
    before = len(platform_requests(emulator, "/v1/models/pricing"))
    book = PriceBook(tmp_path / "prices.json", lambda: PlatformClient(KEY, emulator.hosts))
    prices = book.fetch_prices(bundled + synthetic + ["fal-ai/no-such-model"])
    assert set(bundled) <= set(prices) and "fal-ai/no-such-model" not in prices
    calls = platform_requests(emulator, "/v1/models/pricing")[before:]
    assert len(calls) == 3 and all(r.query.count("endpoint_id=") <= 50 for r in calls)
    assert all(r.headers.get("Authorization") == f"Key {KEY}" for r in calls)
    assert (
        prices["fal-ai/flux/dev"].unit == "image" and prices["fal-ai/flux/dev"].unit_price == 0.025
    )
    # Cached for a day, on disk too: a new book asks nothing.
    again = PriceBook(tmp_path / "prices.json", lambda: PlatformClient(KEY, emulator.hosts))
    assert again.fetch_prices(bundled)["fal-ai/esrgan"].unit == "compute seconds"
    assert len(platform_requests(emulator, "/v1/models/pricing")) == before + 3
    later = PriceBook(
        tmp_path / "prices.json",
        lambda: PlatformClient(KEY, emulator.hosts),
        clock=lambda: __import__("time").time() + DAY + 1,
    )
    assert later.price("fal-ai/flux/dev") is None  # a day old: asked again next time


def test_estimates_are_cached_and_a_429_pauses_them_for_retry_after(emulator, tmp_path):
    platform = emulator.platform
    platform.estimate_limit, platform.estimate_calls = 1, []
    try:
        book = PriceBook(tmp_path / "prices.json", lambda: PlatformClient(KEY, emulator.hosts))
        assert book.fetch_typical("fal-ai/aura-sr") == pytest.approx(0.0059)
        assert book.fetch_typical("fal-ai/aura-sr") == pytest.approx(0.0059)  # cached: no call
        before = len(platform_requests(emulator, "/v1/models/pricing/estimate"))
        assert book.fetch_typical("fal-ai/esrgan") is None  # fal said 429
        assert book.estimates_paused_until > 0
        assert book.fetch_typical("fal-ai/ccsr") is None  # still waiting: not even asked
        assert len(platform_requests(emulator, "/v1/models/pricing/estimate")) == before + 1
    finally:
        platform.estimate_limit = None  # the other tests here ask freely


def test_balance_needs_an_admin_key_and_a_normal_key_is_not_an_error(emulator):
    with PlatformClient(KEY, emulator.hosts) as client:
        assert client.balance() is None
    with PlatformClient(ADMIN, emulator.hosts) as client:
        assert client.balance() == (24.5, "USD")


def test_check_key_is_the_free_catalog_call(emulator):
    submitted = sum(emulator.submissions.values())
    with PlatformClient(KEY, emulator.hosts) as client:
        client.check_key()
    with PlatformClient("wrong:key", emulator.hosts) as client, pytest.raises(AuthError):
        client.check_key()
    assert platform_requests(emulator, "/v1/models")[-1].query == "limit=1"
    assert sum(emulator.submissions.values()) == submitted


def test_the_catalog_is_saved_and_used_offline(emulator, tmp_path):
    bundled = [ModelInfo("fal-ai/flux/dev", "flux/dev", "text-to-image")]
    directory = ModelDirectory(tmp_path / "models.json", bundled)
    assert [m.endpoint_id for m in directory.models] == ["fal-ai/flux/dev"]  # before any fetch
    with PlatformClient(None, emulator.hosts) as client:
        directory.fetch(client)
    offline = ModelDirectory(tmp_path / "models.json", bundled)
    assert len(offline.models) == 230 + len(load_schemas()) and offline.saved_at
    esrgan = offline.find("fal-ai/esrgan")
    assert esrgan.display_name == "Upscale Images" and matches_filter(esrgan, "upscaling")
    assert not matches_filter(esrgan, "text-to-image")
    (tmp_path / "models.json").write_text("{broken")
    assert [m.endpoint_id for m in ModelDirectory(tmp_path / "models.json", bundled).models] == [
        "fal-ai/flux/dev"
    ]


def test_favourites_and_recent_survive_a_restart(tmp_path):
    picks = ModelPicks(tmp_path / "picks.json")
    assert picks.toggle_favourite("fal-ai/esrgan")
    for endpoint_id in ("a/one", "a/two", "a/one"):
        picks.used(endpoint_id)
    again = ModelPicks(tmp_path / "picks.json")
    assert again.favourites == ["fal-ai/esrgan"] and again.recent == ["a/one", "a/two"]
    (tmp_path / "picks.json").write_text("[1, 2")
    assert ModelPicks(tmp_path / "picks.json").favourites == []


def test_the_platform_host_is_an_api_origin_and_thumbnails_get_no_key(emulator):
    hosts = emulator.hosts
    assert hosts.is_api_url(f"{hosts.platform}/v1/models") and not hosts.is_api_url(
        f"{hosts.cdn}/thumbnails/x.png"
    )
    assert "platform" in hosts.as_dict()


def test_the_key_dialogs_test_uses_the_catalog_call(emulator):
    from fal_desktop.app import key_tester

    test = key_tester(emulator.hosts)
    calls = len(platform_requests(emulator, "/v1/models"))
    assert test(KEY) is None and test("wrong:key") == "fal did not accept this key."
    assert len(platform_requests(emulator, "/v1/models")) == calls + 2
    assert not [r for r in emulator.requests if r.role in ("queue", "run", "rest")]


def test_a_schemas_document_is_in_the_catalog_with_its_metadata(tmp_path):
    import json

    folder = tmp_path / "extra"
    folder.mkdir()
    source = load_schemas()["fal-ai/esrgan"].document
    (folder / "acme__sharpen.json").write_text(
        json.dumps(source).replace("fal-ai/esrgan", "acme/sharpen")
    )
    with Emulator(key=KEY, schema_dirs=[folder]) as emu, PlatformClient(None, emu.hosts) as client:
        [item] = client.models_page(endpoint_ids=["acme/sharpen"], expand=["openapi-3.0"]).models
    meta = item["metadata"]
    assert meta["display_name"] == "sharpen" and meta["category"] == "image-to-image"
    assert meta["status"] == "active" and meta["thumbnail_url"].startswith("http://")
    assert item["openapi"]["info"]["x-fal-metadata"]["endpointId"] == "acme/sharpen"
