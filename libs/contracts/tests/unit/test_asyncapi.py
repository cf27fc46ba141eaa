"""The committed AsyncAPI document is what the event models produce today."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shelter_contracts import asyncapi
from shelter_contracts.topics import CATALOGUE

COMMITTED = Path(__file__).resolve().parents[2] / "asyncapi.json"


def _event_types(schema: dict[str, Any]) -> set[str]:
    """The `event_type` values a topic's payload accepts, read from its JSON schema."""
    definitions = schema.get("$defs", {}) | {"root": schema}
    return {
        definition["properties"]["event_type"]["const"]
        for definition in definitions.values()
        if "event_type" in definition.get("properties", {})
    }


def test_the_committed_document_is_up_to_date() -> None:
    committed = COMMITTED.read_text(encoding="utf-8")
    assert committed == asyncapi.render(), (
        "libs/contracts/asyncapi.json is stale: run `make asyncapi` and commit the result"
    )
    assert asyncapi.DOCUMENT_PATH == COMMITTED, "`make asyncapi` writes the committed file"


def test_rendering_is_deterministic() -> None:
    assert asyncapi.render() == asyncapi.render()


def test_the_check_fails_on_a_stale_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "asyncapi.json"
    stale.write_text(asyncapi.render().replace("千代田小学校", "古い"), encoding="utf-8")
    monkeypatch.setattr(asyncapi, "DOCUMENT_PATH", stale)
    monkeypatch.setattr("sys.argv", ["asyncapi", "--check"])

    with pytest.raises(SystemExit, match="run `make asyncapi`"):
        asyncapi.main()


def test_the_check_passes_on_a_fresh_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = tmp_path / "asyncapi.json"
    monkeypatch.setattr(asyncapi, "DOCUMENT_PATH", document)
    monkeypatch.setattr("sys.argv", ["asyncapi"])
    asyncapi.main()
    assert document.read_text(encoding="utf-8") == asyncapi.render()

    monkeypatch.setattr("sys.argv", ["asyncapi", "--check"])
    asyncapi.main()


def test_every_event_of_every_topic_is_documented_on_its_channel() -> None:
    document = json.loads(asyncapi.render())
    documented: dict[str, set[str]] = {}
    for key, channel in document["channels"].items():
        documented.setdefault(channel["address"], set()).add(key.rsplit(":", 1)[1])
    expected = {topic.base_name: _event_types(topic.payload.json_schema()) for topic in CATALOGUE}
    assert documented == expected
    assert expected[CATALOGUE[0].base_name], "the schema walk found the event types"
    assert document["asyncapi"] == "3.0.0"
