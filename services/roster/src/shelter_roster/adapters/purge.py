"""Deleting the roster's personal data when the disaster is closed (S10.3).

By exclusion: every collection of the database is emptied except the ones named in
`KEPT_COLLECTIONS`, which hold no personal data. Entries (check-ins, check-outs), corrections
and their history, listings, name keys, household and serial numbers, pending corrections,
and whatever collection is added later are therefore all deleted; the count after the
deletion is what confirms it (shelter_runtime.disaster). The closures acted on are kept too:
they guard against a replayed closure and drop stay events from before it.
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from shelter_roster.adapters.mongo import SHELTER_SHARDS, SHELTERS
from shelter_runtime.audit import COLLECTION as AUDIT_OUTBOX
from shelter_runtime.disaster import APPLIED_CLOSURES, MongoPersonalData
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import PENDING_COLLECTION

#: Collections without personal data, kept when the disaster is closed; all others are emptied.
KEPT_COLLECTIONS = frozenset(
    {
        # shelter id, name, version: master data (sharded; `shelters` the layout before)
        SHELTERS,
        *(f"{SHELTERS}_{n:03d}" for n in range(SHELTER_SHARDS)),
        "settings",  # disclosure settings (S10.7)
        AUDIT_OUTBOX,  # ids and counts only, by contract (AuditRecorded)
        PENDING_COLLECTION,  # outbox pointers, if any
        APPLIED_CLOSURES,  # closure ids and times: the tombstones of closed disasters
    }
)


def personal_data(db: AsyncDatabase[Document]) -> MongoPersonalData:
    """The roster's personal data: every collection but `KEPT_COLLECTIONS`."""
    return MongoPersonalData(db, KEPT_COLLECTIONS)
