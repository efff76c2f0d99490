"""Every failure is a typed FalError with a plain sentence and the server's own detail."""

from __future__ import annotations

import httpx
import pytest

from fal_desktop.api import (
    AuthError,
    ErrorKind,
    FalError,
    FalTimeoutError,
    FieldError,
    ProtocolError,
    RateLimitError,
    RequestFailed,
    ServerError,
    ValidationError,
)
from fal_desktop.api.errors import error_from_response, request_failed
from tests.unit.api_fixtures import make_client, run

REQ = httpx.Request("GET", "https://queue.test/x")


def error_for(status, **kw) -> FalError:
    return error_from_response(httpx.Response(status, request=REQ, **kw))


@pytest.mark.parametrize(
    "status, kind, error_kind",
    [
        (401, AuthError, ErrorKind.AUTH),
        (403, AuthError, ErrorKind.AUTH),
        (422, ValidationError, ErrorKind.REJECTED_INPUT),
        (429, RateLimitError, ErrorKind.RATE_LIMITED),
        (500, ServerError, ErrorKind.SERVER),
        (502, ServerError, ErrorKind.SERVER),
        (503, ServerError, ErrorKind.SERVER),
        (408, FalTimeoutError, ErrorKind.TIMEOUT),
        (404, FalError, ErrorKind.NOT_FOUND),
        (400, FalError, ErrorKind.OTHER),
    ],
)
def test_status_codes_map_to_types_with_a_sentence(status, kind, error_kind):
    error = error_for(
        status, json={"detail": "server words"}, headers={"x-fal-request-id": "rid-1"}
    )
    assert type(error) is kind and isinstance(error, FalError)
    assert error.kind is error_kind  # what the app decides on, never the sentence
    assert error.user_message.endswith(".")
    # Only a 422's plain-string detail is the reason itself (the model's own refusal, §17).
    assert ("server words" in error.user_message) == (status == 422)
    assert error.detail == "server words" and error.status_code == status
    assert error.request_id == "rid-1" and "rid-1" in error.detail_text


def test_422_items_become_field_errors_without_the_body_prefix():
    error = error_for(
        422,
        json={
            "detail": [
                {
                    "loc": ["body", "loras", 0, "scale"],
                    "msg": "Input should be less than 4",
                    "type": "less_than_equal",
                },
                {"loc": ["body", "prompt"], "msg": "Field required", "type": "missing"},
                "not an item",
            ]
        },
    )
    assert isinstance(error, ValidationError)
    assert error.field_errors == [
        FieldError(("loras", 0, "scale"), "Input should be less than 4", "less_than_equal"),
        FieldError(("prompt",), "Field required", "missing"),
    ]
    assert "2 problems" in error.user_message


def test_a_single_422_names_the_field_and_a_string_detail_has_no_location():
    one = error_for(
        422,
        json={"detail": [{"loc": ["body", "image_size", "width"], "msg": "too big", "type": "x"}]},
    )
    assert "image_size.width: too big" in one.user_message
    text = error_for(422, json={"detail": "prompt is unsafe"})
    assert text.field_errors == [FieldError((), "prompt is unsafe")]
    assert text.user_message == "fal rejected the input: prompt is unsafe."


def test_server_errors_carry_error_type_from_body_or_header():
    body = error_for(
        503, json={"detail": "Runner disconnected", "error_type": "runner_disconnected"}
    )
    header = error_for(
        504, json={"detail": "timed out"}, headers={"x-fal-error-type": "request_timeout"}
    )
    assert body.error_type == "runner_disconnected" and "runner_disconnected" in body.detail_text
    assert header.error_type == "request_timeout"


def test_non_json_error_bodies_keep_their_text():
    error = error_for(502, text="<html>502 Bad Gateway nginx</html>")
    assert isinstance(error, ServerError) and "nginx" in error.detail


def test_a_non_json_success_is_a_protocol_error():
    async def go():
        async with make_client(
            lambda r: httpx.Response(
                200, text="<html>hello</html>", headers={"x-fal-request-id": "q"}
            )
        ) as client:
            with pytest.raises(ProtocolError) as info:
                await client.result(client.handle_for("fal-ai/flux/dev", "r"))
            return info.value

    error = run(go())
    assert "not JSON" in error.user_message and error.request_id == "q"


@pytest.mark.parametrize("body", [{"status": "WEIRD"}, ["a list"], {"request_id": 5}])
def test_malformed_answers_are_protocol_errors_not_crashes(body):
    async def go():
        async with make_client(lambda r: httpx.Response(200, json=body)) as client:
            with pytest.raises(ProtocolError):
                await client.status(client.handle_for("fal-ai/flux/dev", "r"))
            with pytest.raises(ProtocolError):
                await client.submit("fal-ai/flux/dev", {})

    run(go())


def test_a_failed_job_is_request_failed_with_a_sentence_per_error_type():
    cancelled = request_failed("Request cancelled", "request_cancelled", "r1")
    runner = request_failed("Runner disconnected", "runner_disconnected")
    unknown = request_failed("boom", None)
    assert (
        isinstance(cancelled, RequestFailed) and cancelled.user_message == "The job was cancelled."
    )
    assert cancelled.request_id == "r1" and cancelled.detail == "Request cancelled"
    assert "not your input" in runner.user_message and unknown.user_message.endswith(".")
    assert cancelled.kind is ErrorKind.CANCELLED and runner.kind is ErrorKind.SERVER
    assert request_failed("bad", "validation_error").kind is ErrorKind.REJECTED_INPUT


def test_an_exhausted_balance_is_out_of_credit_not_a_refused_key():
    error = error_for(403, json={"detail": "User is locked. Reason: Exhausted balance"})
    assert error.kind is ErrorKind.OUT_OF_CREDIT


def test_a_submit_that_may_have_reached_fal_says_so_in_its_kind():
    from fal_desktop.api.retry import response_error, transport_error

    broke = httpx.ReadError("connection reset")
    assert transport_error(broke, idempotent=False).kind is ErrorKind.MAYBE_SENT
    assert transport_error(broke, idempotent=True).kind is ErrorKind.NETWORK
    assert transport_error(httpx.ConnectError("no"), idempotent=False).kind is ErrorKind.NETWORK
    answer = httpx.Response(500, request=REQ, headers={"x-fal-request-id": "r"}, text="oops")
    assert response_error(answer, idempotent=False).kind is ErrorKind.MAYBE_SENT
    assert response_error(answer, idempotent=True).kind is ErrorKind.SERVER


def test_a_nested_location_in_older_pydantic_wording_names_the_field_it_is_in():
    error = error_for(
        422,
        json={
            "detail": [
                {
                    "loc": ["body", "loras", 0, "path"],
                    "msg": "field required",
                    "type": "value_error.missing",
                }
            ]
        },
    )
    assert error.field_errors == [
        FieldError(("loras", 0, "path"), "field required", "value_error.missing")
    ]
    assert error.user_message == "fal rejected the input: loras.0.path: field required."
    assert error.field_errors[0].loc[0] == "loras"  # the form puts it on the LoRA list field


def test_a_plain_string_422_is_the_reason_and_one_problem_is_singular():
    refusal = error_for(422, json={"detail": "Prompt contains content that is not allowed"})
    assert (
        refusal.user_message
        == "fal rejected the input: Prompt contains content that is not allowed."
    )
    unplaced = error_for(422, json={"detail": [{"msg": "bad input", "type": "x"}]})
    assert unplaced.user_message == "fal rejected the input (1 problem)."
