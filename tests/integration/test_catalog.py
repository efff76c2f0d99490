"""The catalog: bundled models, typed endpoint ids from the emulator's schema host and the cache."""

from __future__ import annotations

import json

import httpx
import pytest

from fal_desktop.api.hosts import FalHosts
from fal_desktop.core.catalog import GROUPS, Catalog, CatalogError
from fal_desktop.emulator import Emulator


@pytest.fixture
def extra_schema_dir(tmp_path):
    """A model the app does not bundle, served by the emulator's schema host."""
    folder = tmp_path / "extra"
    folder.mkdir()
    source = Catalog(tmp_path, FalHosts()).cached("fal-ai/esrgan").document
    text = json.dumps(source).replace("fal-ai/esrgan", "acme/sharpen")
    (folder / "acme__sharpen.json").write_text(text)
    return folder


def test_bundled_models_grouped_and_searchable(tmp_path):
    catalog = Catalog(tmp_path, FalHosts())
    entries = catalog.entries()
    assert len(entries) == 12
    groups = {e.group for e in entries}
    assert groups <= set(GROUPS) and GROUPS[0] in groups and GROUPS[1] in groups
    assert [e.endpoint_id for e in catalog.search("upscaler")] == [
        "fal-ai/clarity-upscaler",
        "fal-ai/creative-upscaler",
    ]
    assert catalog.search("flux dev")[0].endpoint_id == "fal-ai/flux/dev"


def test_typed_id_loads_from_schema_host_then_from_cache(tmp_path, extra_schema_dir):
    cache = tmp_path / "cache"
    with Emulator(schema_dirs=[extra_schema_dir]) as emu:
        catalog = Catalog(cache, emu.hosts)
        schema = catalog.load("acme/sharpen")
        assert (
            schema.endpoint_id == "acme/sharpen"
            and "image_url" in schema.input_schema["properties"]
        )
        hosts = emu.hosts
    offline = Catalog(cache, hosts)  # the emulator is gone: the cache answers
    assert offline.load("acme/sharpen").input_name == schema.input_name
    assert "acme/sharpen" in [e.endpoint_id for e in offline.entries()]


def test_unknown_id_network_failure_and_broken_document(tmp_path):
    with Emulator() as emu:
        with pytest.raises(CatalogError, match="does not know"):
            Catalog(tmp_path, emu.hosts).load("nobody/nothing")
        hosts = emu.hosts
    with pytest.raises(CatalogError, match="could not be reached"):
        Catalog(tmp_path, hosts).load("nobody/nothing")
    broken = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, text="<html>"))
    )
    with pytest.raises(CatalogError, match="broken"):
        Catalog(tmp_path, FalHosts(), broken).load("acme/x")
    with pytest.raises(CatalogError, match="endpoint id"):
        Catalog(tmp_path, FalHosts()).load("nonsense")
