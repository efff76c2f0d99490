"""Endpoint ids and the URLs built from them: full id for submit/run, owner/alias for the rest."""

from __future__ import annotations

import pytest

from fal_desktop.api import EndpointId, RequestHandle, request_url, run_url, submit_url
from tests.unit.api_fixtures import HOSTS, make_client, run


@pytest.mark.parametrize(
    "text, owner, alias, path, namespace",
    [
        ("fal-ai/flux/dev", "fal-ai", "flux", "dev", ""),
        ("fal-ai/flux-pro/v1.1-ultra", "fal-ai", "flux-pro", "v1.1-ultra", ""),
        ("fal-ai/esrgan", "fal-ai", "esrgan", "", ""),
        ("/fal-ai/esrgan/", "fal-ai", "esrgan", "", ""),
        ("1714827-joke", "1714827", "joke", "", ""),
        ("workflows/acme/my-flow/sub/deeper", "acme", "my-flow", "sub/deeper", "workflows"),
        ("comfy/me/graph", "me", "graph", "", "comfy"),
    ],
)
def test_endpoint_ids_are_split_like_fals_clients(text, owner, alias, path, namespace):
    assert EndpointId.parse(text) == EndpointId(owner, alias, path, namespace)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "flux",
        "workflows/acme",
        "comfy/x",
        "fal-ai/flux?x=1",
        "fal-ai/../secrets",
        "fal-ai/flux#frag",
        "fal ai/flux",
    ],
)
def test_bad_endpoint_ids_are_refused_with_a_sentence(bad):
    with pytest.raises(ValueError, match="endpoint id"):
        EndpointId.parse(bad)


def test_submit_and_run_use_the_full_id_and_the_rest_only_owner_alias():
    assert submit_url(HOSTS.queue, "fal-ai/flux/dev") == "https://queue.test/fal-ai/flux/dev"
    assert (
        submit_url(HOSTS.queue + "/", "fal-ai/flux/dev", "/extra//path/")
        == "https://queue.test/fal-ai/flux/dev/extra/path"
    )
    assert (
        run_url(HOSTS.run, "fal-ai/any-llm", "stream") == "https://run.test/fal-ai/any-llm/stream"
    )
    assert (
        request_url(HOSTS.queue, "fal-ai/flux/dev", "abc-1")
        == "https://queue.test/fal-ai/flux/requests/abc-1"
    )
    assert (
        request_url(HOSTS.queue, "workflows/acme/flow/sub", "r")
        == "https://queue.test/workflows/acme/flow/requests/r"
    )
    assert submit_url(HOSTS.queue, "1714827-joke") == "https://queue.test/1714827/joke"


def test_a_handle_is_rebuilt_from_endpoint_and_request_id_alone():
    handle = RequestHandle.build("https://queue.test", "fal-ai/flux/dev", "r-9")
    assert handle == RequestHandle(
        "fal-ai/flux/dev",
        "r-9",
        "https://queue.test/fal-ai/flux/requests/r-9/status",
        "https://queue.test/fal-ai/flux/requests/r-9",
        "https://queue.test/fal-ai/flux/requests/r-9/cancel",
    )
    client = make_client(lambda r: None)
    try:
        assert client.handle_for("fal-ai/flux/dev", "r-9") == handle
        with pytest.raises(ValueError):
            client.handle_for("fal-ai/flux/dev", "../../x")
    finally:
        run(client.aclose())
