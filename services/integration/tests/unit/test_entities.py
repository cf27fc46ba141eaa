"""The published entities against the datamodels.jp schemas; the @context as JSON-LD (S21.5)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pyld import jsonld  # type: ignore[import-untyped]
from referencing import Registry, Resource

from shelter_contracts.events import CrowdingLevel
from shelter_integration.domain import entities
from shelter_integration.domain.model import (
    Facts,
    Occupancy,
    OpeningStatus,
    ShelterState,
    summarise,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "datamodels"
CODE = "131016"
AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CONTEXT_URL = "http://integration.test/ngsi-ld/context.jsonld"


def _schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.schema.json").read_text("utf-8"))
    return loaded


def _registry() -> Registry[Any]:
    address = Resource.from_contents(_schema("JapaneseAddress"))
    geometry = Resource.from_contents(_schema("Geometry"))
    return Registry().with_resources(
        [
            ("https://datamodels.jp/schema/common/JapaneseAddress/v1.0.0.json", address),
            ("https://datamodels.jp/schema/common/Geometry/v1.0.0.json", geometry),
        ]
    )


def _catalogue_part(entity: dict[str, Any]) -> dict[str, Any]:
    """The entity in keyValues form without the project's own terms (the schemas are strict)."""
    return {
        key: value
        for key, value in entities.simplified(entity).items()
        if key not in entities.EXTENSION_TERMS
    }


def _validate(entity: dict[str, Any], schema: str) -> None:
    validator = jsonschema.Draft202012Validator(
        _schema(schema),
        registry=_registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    validator.validate(_catalogue_part(entity))


def _state(**facts: Any) -> ShelterState:
    defaults: dict[str, Any] = {
        "version": 3,
        "name": "千代田小学校",
        "capacity": 4,
        "address": "東京都千代田区千代田1-1",
        "latitude": 35.68,
        "longitude": 139.75,
        "is_open": True,
        "opened_at": AT,
    }
    occupancy = Occupancy(
        counted_at=AT,
        present=4,
        households=2,
        female=3,
        male=1,
        age_bands={"0": 1, "70": 3},
        capacity=4,
        occupancy_rate=1.0,
        crowding_level=CrowdingLevel.FULL,
    )
    return ShelterState("13101-0001", Facts(**{**defaults, **facts}), occupancy)


@pytest.mark.parametrize(
    "state",
    [
        _state(),
        _state(is_open=False, closed_at=AT, address="", latitude=None, longitude=None),
        _state(training=True),
        _state(open_data_id="E131010000111", municipality_code="131016"),
        ShelterState("13101-0002", Facts(version=1, name="避難所", capacity=0)),
    ],
    ids=["full", "closed without address", "training", "national id", "no counts yet"],
)
def test_shelter_entities_follow_the_catalogue_schemas(state: ShelterState) -> None:
    designated, overlay = entities.shelter_entities(state, CODE)
    _validate(designated, "DesignatedShelter")
    _validate(overlay, "EvacuationShelter")
    assert overlay["shelter"] == {"type": "Relationship", "object": designated["id"]}


def test_a_full_shelter_shows_its_counts_with_observed_at() -> None:
    overlay = entities.evacuation_shelter(_state(), CODE)
    assert overlay["openingStatus"]["value"] == OpeningStatus.FULL
    assert overlay["statusLabel"]["value"] == "満員"
    assert overlay["evacueeTotal"] == {
        "type": "Property",
        "value": 4,
        "observedAt": "2026-11-25T09:00:00Z",
    }
    assert overlay["occupancyRate"]["value"] == 1.0
    assert overlay["crowdingLevel"]["value"] == "full"
    assert overlay["evacueeAgeBands"]["value"] == {"0": 1, "70": 3}
    assert overlay["acceptanceCapacity"]["value"] == 4


def test_a_drill_shelter_shows_no_counts_and_is_not_open() -> None:
    overlay = entities.evacuation_shelter(_state(training=True), CODE)
    assert overlay["openingStatus"]["value"] == "closed"
    assert overlay["statusLabel"]["value"] == "訓練中"
    assert overlay["evacueeTotal"]["value"] == 0
    assert "occupancyRate" not in overlay and "crowdingLevel" not in overlay


def test_the_summary_leaves_drills_out() -> None:
    real = _state()
    drill = ShelterState("13101-0003", _state(training=True).facts, real.occupancy)
    summary = summarise([real, drill])
    assert (summary.shelters, summary.shelters_open, summary.present) == (2, 1, 4)
    entity = entities.municipality_summary(summary, CODE)
    assert entity["evacueeTotal"]["value"] == 4
    assert entity["sheltersOpen"]["value"] == 1


def test_no_personal_data_in_any_entity() -> None:
    text = json.dumps(entities.shelter_entities(_state(), CODE), ensure_ascii=False)
    for personal in ("family_name", "given_name", "date_of_birth", "phone", "山田"):
        assert personal not in text


# --- the @context ------------------------------------------------------------------------------


def _loader(documents: dict[str, Any]) -> Any:
    def load(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url not in documents:
            raise jsonld.JsonLdError(f"offline: {url}", "loading document failed")
        return {"contextUrl": None, "documentUrl": url, "document": documents[url]}

    return load


def _offline_documents() -> dict[str, Any]:
    catalogue = json.loads((FIXTURES / "disaster-context-v1.0.0.jsonld").read_text("utf-8"))
    # The common context it imports is not a fixture: stand in the terms the entities use.
    common = {
        "@context": {
            "localGovernmentCode": "https://datamodels.jp/ns/common/localGovernmentCode",
            "schema": "https://schema.org/",
        }
    }
    return {
        entities.CATALOGUE_CONTEXT: catalogue,
        "https://datamodels.jp/context/common/v1.0.0.jsonld": common,
        CONTEXT_URL: entities.extension_context(),
    }


def test_the_extension_context_redefines_no_catalogue_term() -> None:
    catalogue = json.loads((FIXTURES / "disaster-context-v1.0.0.jsonld").read_text("utf-8"))
    catalogue_terms = set(catalogue["@context"][1])
    for schema in ("EvacuationShelter", "DesignatedShelter"):
        catalogue_terms |= set(_schema(schema)["properties"])
    own = entities.extension_context()["@context"][1]
    assert not set(own) & catalogue_terms
    assert all(iri.startswith(entities.EXTENSION_NAMESPACE) for iri in own.values())


def test_the_overlay_expands_to_catalogue_and_extension_iris() -> None:
    overlay = entities.evacuation_shelter(_state(), CODE)
    document = {"@context": CONTEXT_URL, **entities.simplified(overlay)}
    expanded = jsonld.expand(document, {"documentLoader": _loader(_offline_documents())})
    keys = set(expanded[0])
    assert "https://datamodels.jp/ns/disaster/openingStatus" in keys
    assert "https://datamodels.jp/ns/disaster/evacueeTotal" in keys
    assert "https://datamodels.jp/ns/task/statusLabel" in keys
    assert entities.EXTENSION_NAMESPACE + "occupancyRate" in keys
    assert entities.EXTENSION_NAMESPACE + "crowdingLevel" in keys
