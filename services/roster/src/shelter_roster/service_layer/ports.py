"""Storage the roster handlers need."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol
from uuid import UUID

from shelter_roster.domain.disclosure import DisclosureSettings
from shelter_roster.domain.model import (
    CheckInFacts,
    CheckOutFacts,
    EntryNumbers,
    EntryQuery,
    PublicQuery,
    ToNumber,
)
from shelter_roster.service_layer.documents import Document


class RosterEntries(Protocol):
    """Entry documents (see service_layer.documents), one per stay."""

    async def record_check_in(self, facts: CheckInFacts, numbers: EntryNumbers) -> bool:
        """Store the check-in once; False when it was already recorded (a replay)."""

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        """Store the check-out once, even before its check-in arrives; False on a replay."""

    async def record_many(
        self,
        check_ins: Sequence[tuple[CheckInFacts, EntryNumbers]],
        check_outs: Sequence[CheckOutFacts],
    ) -> set[UUID]:
        """Store a batch of check-ins and check-outs, each once; the stays that changed.

        The numbers of the check-ins are kept for `Numbering` too (what `draw_many` drew):
        a later draw or `number_many` gives them again."""

    async def get(self, stay_id: UUID) -> Document | None:
        """The entry document without its history; None when unknown."""

    async def find(self, query: EntryQuery, limit: int, skip: int) -> list[Document]:
        """Checked-in entries matching `query`, oldest check-in first, then by stay id."""

    async def count(self, query: EntryQuery) -> int:
        """How many entries `find` would give without a limit."""

    async def search_public(self, query: PublicQuery, limit: int) -> list[Document]:
        """Present, real (not training) entries whose folded names equal the query's."""

    async def correct(self, stay_id: UUID, revision: int, fields: Document, edit: Document) -> bool:
        """Set `fields` and append `edit` to the history if the entry is still at `revision`."""

    async def history(self, stay_id: UUID) -> list[Document]:
        """The edits of an entry, oldest first."""


class Numbering(Protocol):
    """Per-shelter numbers (S12); training entries are numbered apart from real ones."""

    async def number_many(
        self, wanted: Sequence[ToNumber]
    ) -> list[tuple[dict[UUID, int], dict[str, int]]]:
        """For each request (one per shelter and mode), the serials of its stays and the
        numbers of its households: drawn in order on first sight, the same ones on every later
        call (what `serial` and `household_number` give one at a time)."""

    async def draw_many(
        self, wanted: Sequence[ToNumber]
    ) -> list[tuple[dict[UUID, int], dict[str, int]]]:
        """What `number_many` gives, but new numbers may be kept only once the check-ins are
        recorded with them (`RosterEntries.record_many` of the same service keeps them): until
        then a draw gives them again, so a batch that failed before it was recorded draws the
        same numbers when it is redelivered."""

    async def serial(self, shelter_id: str, stay_id: UUID, training: bool) -> int:
        """The serial number (通番) of a stay: the shelter's next one (1, 2, 3, ...) on first
        sight, the same one for every later call about that stay."""

    async def household_number(self, shelter_id: str, household_key: str, training: bool) -> int:
        """The household number (世帯番号) of a household key, assigned on first sight."""


class ShelterDirectory(Protocol):
    """Shelter names from the SHELTERS topic, latest version wins."""

    async def record(self, shelter_id: str, version: int, name: str, deleted: bool) -> bool:
        """Keep these facts if `version` is newer than the stored one; False otherwise."""

    async def names(self, shelter_ids: Iterable[str]) -> dict[str, str]:
        """Names of the known shelters among `shelter_ids`."""


class RosterSettings(Protocol):
    async def disclosure(self) -> DisclosureSettings:
        """The disclosure settings; the defaults until an admin saves some."""

    async def save_disclosure(self, settings: DisclosureSettings) -> None: ...
