"""The emulator on its own: routes, outputs in each endpoint's shape, CLI, capacity."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import subprocess
import sys

import httpx
import pytest
from PIL import Image

from fal_desktop.api.openapi import EndpointSchema
from fal_desktop.core.resources import bundled_schema_files
from fal_desktop.emulator import load_schemas
from tests.integration.conftest import KEY

AUTH = {"Authorization": f"Key {KEY}"}
SCHEMAS = load_schemas()


def _png_data_uri(size=(64, 48)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 128, 255)).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def minimal_input(schema: EndpointSchema) -> dict:
    payload = {}
    for name in schema.input_schema.get("required", []):
        payload[name] = _png_data_uri() if "image" in name else "a small test"
    return payload


def _output_validator(schema: EndpointSchema):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(
        schema._validating_document, default_specification=DRAFT202012
    )
    registry = Registry().with_resource("urn:doc", resource)
    return Draft202012Validator(
        {"$ref": f"urn:doc#/components/schemas/{schema.output_name}"}, registry=registry
    )


@pytest.mark.parametrize("endpoint_id", sorted(SCHEMAS))
def test_every_endpoint_returns_its_declared_output(emulator, endpoint_id):
    schema = SCHEMAS[endpoint_id]
    emulator.job_duration = 0.05
    with httpx.Client(headers=AUTH, timeout=60) as http:
        submit = http.post(f"{emulator.urls['queue']}/{endpoint_id}", json=minimal_input(schema))
        assert submit.status_code == 200
        body = submit.json()
        for _ in range(600):
            status = http.get(body["status_url"], params={"logs": "1"})
            if status.json()["status"] == "COMPLETED":
                break
            assert status.status_code == 202
            asyncio.run(asyncio.sleep(0.02))
        assert status.status_code == 200 and "error" not in status.json()
        output = http.get(body["response_url"]).json()
    errors = list(_output_validator(schema).iter_errors(output))
    assert errors == []
    image = output.get("image") or output["images"][0]
    data = httpx.get(image["url"]).content
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        if "width" in image:
            assert picture.size == (image["width"], image["height"])


def test_schema_host_serves_documents_and_404s(emulator):
    url = f"{emulator.urls['schemas']}/api/openapi/queue/openapi.json"
    document = httpx.get(url, params={"endpoint_id": "fal-ai/flux/dev"}).json()
    assert document["info"]["x-fal-metadata"]["endpointId"] == "fal-ai/flux/dev"
    missing = httpx.get(url, params={"endpoint_id": "nobody/nothing"})
    assert missing.status_code == 404 and "nobody/nothing" in missing.json()["detail"]


def test_status_accepts_every_logs_spelling_and_unknown_ids_404(emulator):
    with httpx.Client(headers=AUTH) as http:
        body = http.post(
            f"{emulator.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "x"}
        ).json()
        for value in ("1", "0", "true", "false"):
            assert http.get(body["status_url"], params={"logs": value}).status_code in (200, 202)
        full = body["status_url"].replace("/fal-ai/flux/", "/fal-ai/flux/schnell/")
        assert http.get(full).status_code == 405  # like fal: only owner/app routes requests
        gone = http.get(f"{emulator.urls['queue']}/fal-ai/flux/requests/nope/status")
        assert gone.status_code == 404 and gone.json() == {"status": "NOT_FOUND"}
        assert http.post(f"{emulator.urls['queue']}/nobody/nothing", json={}).status_code == 404


def test_start_timeout_gives_user_timeout(emulator):
    emulator.job_duration = 2.0
    with httpx.Client(headers=AUTH) as http:
        blockers = [
            http.post(f"{emulator.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "b"}).json()
            for _ in range(2)
        ]
        late = http.post(
            f"{emulator.urls['queue']}/fal-ai/flux/schnell",
            json={"prompt": "l"},
            headers={"X-Fal-Request-Timeout": "1.5"},
        ).json()
        for _ in range(200):
            status = http.get(late["status_url"]).json()
            if status["status"] == "COMPLETED":
                break
            asyncio.run(asyncio.sleep(0.05))
        result = http.get(late["response_url"])
        for job in blockers:
            http.put(job["cancel_url"])
    assert status["error_type"] == "request_timeout"
    assert result.status_code == 504 and result.headers["x-fal-request-timeout-type"] == "user"


def test_ingress_faults_look_like_nginx(emulator):
    emulator.set_faults({502: 1.0}, roles={"queue"})
    response = httpx.post(f"{emulator.urls['queue']}/fal-ai/flux/schnell", json={}, headers=AUTH)
    assert response.status_code == 502 and "nginx" in response.text
    assert "x-fal-request-id" not in response.headers
    emulator.set_faults({503: 1.0}, roles={"queue"})
    response = httpx.post(f"{emulator.urls['queue']}/fal-ai/flux/schnell", json={}, headers=AUTH)
    assert response.status_code == 503 and "x-fal-request-id" in response.headers


def test_a_429_says_when_to_ask_again_as_fals_does(emulator):
    """fal's 429 carries Retry-After in seconds, on the queue as on the Platform API."""
    emulator.set_faults({429: 1.0}, roles={"queue"})
    response = httpx.post(f"{emulator.urls['queue']}/fal-ai/flux/schnell", json={}, headers=AUTH)
    assert response.status_code == 429 and float(response.headers["retry-after"]) > 0
    assert "x-fal-request-id" in response.headers and response.json()["detail"]


def test_holds_a_thousand_concurrent_requests_and_streams(emulator):
    emulator.job_duration = 0.5

    async def go():
        limits = httpx.Limits(max_connections=1200)
        async with httpx.AsyncClient(headers=AUTH, limits=limits, timeout=120) as http:
            submits = await asyncio.gather(
                *(
                    http.post(f"{emulator.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "c"})
                    for _ in range(20)
                )
            )
            urls = [s.json()["status_url"] for s in submits]

            async def poll(i):
                return (await http.get(urls[i % len(urls)])).status_code

            codes = await asyncio.gather(*(poll(i) for i in range(1000)))

            async def first_event(url):
                async with http.stream("GET", url + "/stream") as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data:"):
                            return json.loads(line[5:])["request_id"]

            events = await asyncio.gather(*(first_event(urls[i % 20]) for i in range(1000)))
            for s in submits:
                await http.put(s.json()["cancel_url"])
            return codes, events

    codes, events = asyncio.run(go())
    assert set(codes) <= {200, 202} and len(codes) == 1000
    assert all(events) and len(events) == 1000


def test_cli_prints_urls_and_serves(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fal_desktop.emulator",
            "--key",
            "cli-key",
            "--job-duration",
            "0.1",
            "--refuse",
            "nope",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(process.stdout.readline())
        assert info["key"] == "cli-key"
        assert set(info) == {"queue", "run", "rest", "cdn", "schemas", "platform", "key"}
        out = httpx.post(
            f"{info['run']}/fal-ai/flux/schnell",
            json={"prompt": "cli"},
            headers={"Authorization": "Key cli-key"},
            timeout=60,
        )
        assert out.status_code == 200 and out.json()["images"]
        refused = httpx.post(
            f"{info['run']}/fal-ai/flux/schnell",
            json={"prompt": "say nope"},
            headers={"Authorization": "Key cli-key"},
            timeout=60,
        )
        assert refused.status_code == 422 and isinstance(refused.json()["detail"], str)
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
        process.stdout.close()


def test_bundled_schema_files_all_load():
    assert len(SCHEMAS) == len(bundled_schema_files()) == 12


def test_render_once_serves_copies_of_one_picture_per_size():
    from fal_desktop.emulator import Emulator

    with (
        Emulator(key=KEY, job_duration=0.01, render_once=True) as emu,
        httpx.Client(headers=AUTH, timeout=60) as http,
    ):
        bodies = []
        for size, prompt in (("square", "one"), ("square", "two"), ("portrait_4_3", "three")):
            submit = http.post(
                f"{emu.urls['queue']}/fal-ai/flux/schnell",
                json={"prompt": prompt, "image_size": size},
            ).json()
            for _ in range(500):
                if http.get(submit["status_url"]).json()["status"] == "COMPLETED":
                    break
                asyncio.run(asyncio.sleep(0.01))
            image = http.get(submit["response_url"]).json()["images"][0]
            bodies.append((image, httpx.get(image["url"]).content))
    (first, a), (second, b), (third, c) = bodies
    assert a == b and first["url"] != second["url"]  # same bytes, each its own file
    with Image.open(io.BytesIO(c)) as picture:
        assert (
            picture.size == (third["width"], third["height"]) != (first["width"], first["height"])
        )
