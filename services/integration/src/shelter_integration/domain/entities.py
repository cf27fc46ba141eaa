"""NGSI-LD entities of the shelters, following datamodels.jp (disaster domain), normalised form.

Per shelter: a `DesignatedShelter` (the master record) and an `EvacuationShelter` (the
operational overlay: opening status and counts) linked to it by the relationship `shelter`;
plus one `ShelterMunicipalitySummary` for the municipality. What the catalogue lacks
(occupancy rate, crowding level, age bands, capacity on the overlay, the summary) uses the
project's own terms, defined in `EXTENSION_CONTEXT` under its own namespace: a catalogue term
is never redefined. Attributes that change with time carry `observedAt` (ETSI GS CIM 009,
"observedAt"). Only shelter-level facts and counts: no personal data is ever part of an entity.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from shelter_integration.domain.model import MunicipalitySummary, ShelterState

Entity = dict[str, Any]

#: The catalogue's context (alias of the current disaster context) and the NGSI-LD core.
CATALOGUE_CONTEXT = "https://datamodels.jp/context/disaster/v1.jsonld"
CORE_CONTEXT = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld"
#: The namespace of the project's own terms.
EXTENSION_NAMESPACE = "https://shelter-checkin.example/ns/ngsi-ld/"

DESIGNATED_SHELTER = "DesignatedShelter"
EVACUATION_SHELTER = "EvacuationShelter"
MUNICIPALITY_SUMMARY = "ShelterMunicipalitySummary"

#: Terms the catalogue lacks, each with what it means (shown in the context document).
EXTENSION_TERMS: dict[str, str] = {
    MUNICIPALITY_SUMMARY: "The totals of one municipality's shelters (市町村合計)",
    "occupancyRate": "Evacuees present / capacity (収容率), 0..n, four decimals",
    "crowdingLevel": "Crowding (混雑度): vacant, moderate, crowded or full",
    "evacueeAgeBands": 'Evacuees present per decade (年代別): keys "0", "10", ... "90" (90+)',
    "acceptanceCapacity": "People the shelter can hold (収容人数), on the operational overlay",
    "sheltersTotal": "Shelters published for the municipality",
    "sheltersOpen": "Shelters open for real (開設数), drills not counted",
    "capacityOpen": "Capacity of the open shelters",
}


def extension_context() -> dict[str, Any]:
    """The project's @context document: the catalogue's context, then its own terms."""
    own = {term: EXTENSION_NAMESPACE + term for term in EXTENSION_TERMS}
    return {"@context": [CATALOGUE_CONTEXT, own]}


def contexts(extension_url: str) -> list[str]:
    """What an entity's @context lists when sent inline (core last, as the spec orders it)."""
    return [extension_url, CORE_CONTEXT]


def designated_shelter_id(shelter_id: str) -> str:
    return f"urn:ngsi-ld:{DESIGNATED_SHELTER}:{shelter_id}"


def evacuation_shelter_id(shelter_id: str) -> str:
    return f"urn:ngsi-ld:{EVACUATION_SHELTER}:{shelter_id}"


def summary_id(local_government_code: str) -> str:
    return f"urn:ngsi-ld:{MUNICIPALITY_SUMMARY}:{local_government_code}"


def shelter_of(entity_id: str) -> str | None:
    """The shelter id behind a shelter entity id; None for the summary or a foreign id."""
    for kind in (DESIGNATED_SHELTER, EVACUATION_SHELTER):
        prefix = f"urn:ngsi-ld:{kind}:"
        if entity_id.startswith(prefix):
            return entity_id.removeprefix(prefix)
    return None


_GOVERNMENT_CODE = re.compile(r"^\d{6}$")
_NATIONAL_ID = re.compile(r"^E[0-9]{10}1[12][1-9A-Za-z]$")


def government_code(state: ShelterState, default: str) -> str:
    """The shelter's 6-digit local government code, or the service's when it has none."""
    code = (state.facts.municipality_code if state.facts else None) or ""
    return code if _GOVERNMENT_CODE.match(code) else default


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def prop(value: Any, observed_at: datetime | None = None) -> dict[str, Any]:
    attribute: dict[str, Any] = {"type": "Property", "value": value}
    if observed_at is not None:
        attribute["observedAt"] = _iso(observed_at)
    return attribute


def designated_shelter(state: ShelterState, default_code: str) -> Entity:
    """The master record (DesignatedShelter): name, address, location, capacity, ids."""
    facts = state.facts
    assert facts is not None, "only shelters with facts are published"
    code = government_code(state, default_code)
    entity: Entity = {
        "id": designated_shelter_id(state.shelter_id),
        "type": DESIGNATED_SHELTER,
        "name": prop(facts.name),
        "externalShelterId": prop(state.shelter_id),
        "localGovernmentCode": prop(code),
        "maxCapacity": prop(facts.capacity),
    }
    if facts.open_data_id and _NATIONAL_ID.match(facts.open_data_id):
        entity["nationalShelterId"] = prop(facts.open_data_id)
    if facts.address:
        address = {"addressCountry": "JP", "addressText": facts.address}
        entity["address"] = prop({**address, "localGovernmentCode": code})
    if facts.latitude is not None and facts.longitude is not None:
        entity["location"] = {
            "type": "GeoProperty",
            "value": {"type": "Point", "coordinates": [facts.longitude, facts.latitude]},
        }
    return entity


def evacuation_shelter(state: ShelterState, default_code: str) -> Entity:
    """The operational overlay (EvacuationShelter): opening status and counts, observedAt."""
    facts = state.facts
    assert facts is not None, "only shelters with facts are published"
    counts = state.counts
    status_at = state.status_changed_at
    entity: Entity = {
        "id": evacuation_shelter_id(state.shelter_id),
        "type": EVACUATION_SHELTER,
        "shelter": {"type": "Relationship", "object": designated_shelter_id(state.shelter_id)},
        "externalShelterId": prop(state.shelter_id),
        "localGovernmentCode": prop(government_code(state, default_code)),
        "openingStatus": prop(state.opening_status.value, status_at),
        "statusLabel": prop(state.status_label, status_at),
        "acceptanceCapacity": prop(facts.capacity),
    }
    if facts.opened_at is not None:
        entity["openedAt"] = prop(_iso(facts.opened_at))
    if facts.closed_at is not None and not facts.is_open:
        entity["closedAt"] = prop(_iso(facts.closed_at))
    counted_at = counts.counted_at if counts else status_at
    entity["evacueeTotal"] = prop(counts.present if counts else 0, counted_at)
    entity["evacueeHouseholds"] = prop(counts.households if counts else 0, counted_at)
    entity["evacueeFemale"] = prop(counts.female if counts else 0, counted_at)
    entity["evacueeMale"] = prop(counts.male if counts else 0, counted_at)
    entity["evacueeAgeBands"] = prop(dict(counts.age_bands) if counts else {}, counted_at)
    if counts is not None and counts.occupancy_rate is not None:
        entity["occupancyRate"] = prop(counts.occupancy_rate, counted_at)
    if counts is not None and counts.crowding_level is not None:
        entity["crowdingLevel"] = prop(counts.crowding_level.value, counted_at)
    return entity


def shelter_entities(state: ShelterState, default_code: str) -> list[Entity]:
    return [designated_shelter(state, default_code), evacuation_shelter(state, default_code)]


def municipality_summary(summary: MunicipalitySummary, code: str) -> Entity:
    """The municipality's totals as one entity of the project's own type."""
    at = summary.observed_at
    entity: Entity = {
        "id": summary_id(code),
        "type": MUNICIPALITY_SUMMARY,
        "localGovernmentCode": prop(code),
        "sheltersTotal": prop(summary.shelters, at),
        "sheltersOpen": prop(summary.shelters_open, at),
        "capacityOpen": prop(summary.capacity_open, at),
        "evacueeTotal": prop(summary.present, at),
        "evacueeHouseholds": prop(summary.households, at),
        "evacueeFemale": prop(summary.female, at),
        "evacueeMale": prop(summary.male, at),
        "evacueeAgeBands": prop(dict(summary.age_bands), at),
    }
    if summary.occupancy_rate is not None:
        entity["occupancyRate"] = prop(summary.occupancy_rate, at)
    return entity


def simplified(entity: Entity) -> dict[str, Any]:
    """The keyValues form of a normalised entity (what the catalogue's schemas describe)."""
    out: dict[str, Any] = {}
    for key, value in entity.items():
        if isinstance(value, dict) and value.get("type") == "Relationship":
            out[key] = value["object"]
        elif isinstance(value, dict) and "value" in value:
            out[key] = value["value"]
        else:
            out[key] = value
    return out
