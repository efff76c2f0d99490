"""Real fal answers (``tests/data/fal_answers``): loading them and turning them into responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

FOLDER = Path(__file__).parent / "data" / "fal_answers"


def load_answers() -> list[dict[str, Any]]:
    """Every answer file, each with its ``file`` name added."""
    answers = []
    for path in sorted(FOLDER.glob("*.json")):
        answer = json.loads(path.read_text(encoding="utf-8"))
        answer["file"] = path.name
        answers.append(answer)
    return answers


def response_of(answer: dict[str, Any]) -> httpx.Response:
    """The answer as fal sent it: status, content type, headers and body."""
    reply = answer["response"]
    headers = {
        "content-type": reply.get("content_type", "application/json"),
        **reply.get("headers", {}),
    }
    if "body" in reply:
        content = json.dumps(reply["body"]).encode()
    else:
        content = str(reply.get("text", "")).encode()
    return httpx.Response(reply["status"], headers=headers, content=content)


def shape(value: Any) -> Any:
    """Keys and value types of a JSON value, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "null" if value is None else type(value).__name__
