"""MongoDB (FerretDB locally) repositories of the auth service.

FerretDB v1 has no transactions and no TTL indexes: every change is one document write
(optimistic versions for accounts; refresh-token rotation is guarded by inserting a claim
with a unique `_id`, the one write FerretDB checks atomically), and expired
revocations and rate-limit windows are purged by `purge_expired` from a background task.

Every update goes through this process's write lock of its document
(`shelter_runtime.mongo.writing`). FerretDB v1 applies an update (`update_one`,
`update_many`, `find_one_and_update`, `replace_one`) by reading the whole document, applying
the operators and writing the whole document back, with no transaction around them, and an
update's filter is not evaluated atomically with its write: of two updates of one document
at the same moment only the later write survives, even when they set different fields
(measured on the test stack: 195 of 200 such pairs lost one). Here that meant an emergency
lock (S10.5) overwritten by a failed sign-in's counter, a password reset reverted to the old
hash, a revoked session (S10.1: a replayed refresh token) brought back by a rotation, a
revoked kiosk token or client (S10.7) by its last-use stamp, undercounted rate limits. Under
the lock the version and `revoked_at` filters are compare-and-set again, and an upsert's
first insert that loses to another (a duplicate `_id`) is applied again as a plain update.
A FerretDB stack runs one replica of each service, so the process lock is enough there;
MongoDB applies each update atomically anyway (the lock then costs an uncontended acquire).
Locks are held around the database commands only, never across Argon2 hashing or HTTP.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_auth.domain.model import (
    Account,
    AccountExistsError,
    AuditRecord,
    CharClass,
    ConcurrentUpdateError,
    IntegrationClient,
    KioskToken,
    Outcome,
    PasswordPolicy,
    PrincipalKind,
    Role,
    Session,
)
from shelter_runtime.mongo import Document, upsert, writing

#: Expired revocations deleted (and locked) together by one command.
PURGE_BATCH = 100


def _without_id(doc: Document) -> Document:
    return {k: v for k, v in doc.items() if k != "_id"}


class MongoAccounts:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["accounts"]

    async def get(self, user_id: str) -> Account | None:
        doc = await self.collection.find_one({"_id": user_id})
        return None if doc is None else _account(doc)

    async def add(self, account: Account) -> None:
        try:
            await self.collection.insert_one({"_id": account.user_id, **_account_fields(account)})
        except DuplicateKeyError as exc:
            raise AccountExistsError(account.user_id) from exc

    async def update(self, account: Account) -> None:
        """Compare-and-set on the version: atomic on FerretDB under the write lock (above)."""
        async with writing(self.collection, account.user_id):
            result = await self.collection.update_one(
                {"_id": account.user_id, "version": account.version - 1},
                {"$set": _account_fields(account)},
            )
        if result.matched_count != 1:
            raise ConcurrentUpdateError(account.user_id)

    async def delete(self, user_id: str) -> bool:
        async with writing(self.collection, user_id):
            return (await self.collection.delete_one({"_id": user_id})).deleted_count == 1

    async def list(self) -> list[Account]:
        return [_account(d) async for d in self.collection.find({}).sort("_id", 1)]


def _account_fields(account: Account) -> Document:
    fields = asdict(account)
    del fields["user_id"]
    fields["role"] = account.role.value
    fields["shelters"] = list(account.shelters)
    fields["password_history"] = list(account.password_history)
    return fields


def _account(doc: Document) -> Account:
    fields = _without_id(doc)
    return Account(
        user_id=doc["_id"],
        display_name=fields["display_name"],
        role=Role(fields["role"]),
        password_hash=fields["password_hash"],
        password_changed_at=fields["password_changed_at"],
        created_at=fields["created_at"],
        shelters=tuple(fields["shelters"]),
        password_history=tuple(fields["password_history"]),
        expires_at=fields.get("expires_at"),
        locked=fields["locked"],
        failed_attempts=fields["failed_attempts"],
        locked_out_until=fields.get("locked_out_until"),
        must_change_password=fields["must_change_password"],
        version=fields["version"],
    )


class MongoPolicies:
    """The password policy: one document in the settings collection."""

    _ID = "password_policy"

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["settings"]

    async def get(self) -> PasswordPolicy:
        doc = await self.collection.find_one({"_id": self._ID})
        if doc is None:
            return PasswordPolicy()
        fields = _without_id(doc)
        fields["required_classes"] = frozenset(CharClass(c) for c in fields["required_classes"])
        return PasswordPolicy(**fields)

    async def set(self, policy: PasswordPolicy) -> None:
        fields = asdict(policy)
        fields["required_classes"] = sorted(c.value for c in policy.required_classes)
        await upsert(self.collection, self._ID, fields, replace=True)


class MongoSessions:
    """Sessions are written under the lock of their session id; `revoke_all` takes the lock
    of every session it revokes, so no rotation writes a revoked session back (S10.1)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["sessions"]
        #: One document per refresh token ever used (`<session>:<token hash>:used`): the guard.
        self.claims: AsyncCollection[Document] = db["refresh_claims"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("user_id", 1)])

    async def add(self, session: Session) -> None:
        fields = asdict(session)
        await self.collection.insert_one({"_id": fields.pop("session_id"), **fields})

    async def get(self, session_id: str) -> Session | None:
        doc = await self.collection.find_one({"_id": session_id})
        return None if doc is None else Session(session_id=doc["_id"], **_without_id(doc))

    async def rotate(self, session_id: str, old_hash: str, new_hash: str, at: datetime) -> bool:
        # FerretDB does not apply an update's filter atomically with its write: two requests
        # with the same refresh token could both match `token_hash: old_hash`. The insert of a
        # claim named by the old token is atomic (duplicate `_id`), so exactly one of them wins
        # and the other is a replay.
        session = await self.collection.find_one({"_id": session_id})
        if session is None or session["token_hash"] != old_hash or session["revoked_at"]:
            return False
        try:
            await self.claims.insert_one(
                {"_id": f"{session_id}:{old_hash}:used", "session_id": session_id, "at": at}
            )
        except DuplicateKeyError:
            return False
        async with writing(self.collection, session_id):
            result = await self.collection.update_one(
                {"_id": session_id, "revoked_at": None},
                {"$set": {"token_hash": new_hash, "last_used_at": at}},
            )
        return result.modified_count == 1

    async def purge_claims(self, before: datetime) -> None:
        """Claims of refresh tokens used before `before` (older than any live session)."""
        await self.claims.delete_many({"at": {"$lt": before}})

    async def revoke(self, session_id: str, at: datetime) -> bool:
        async with writing(self.collection, session_id):
            result = await self.collection.update_one(
                {"_id": session_id, "revoked_at": None}, {"$set": {"revoked_at": at}}
            )
        return result.modified_count == 1

    async def revoke_all(self, user_id: str, at: datetime) -> list[str]:
        live = [
            d["_id"]
            async for d in self.collection.find(
                {"user_id": user_id, "revoked_at": None, "expires_at": {"$gt": at}}, {"_id": 1}
            )
        ]
        if live:
            async with writing(self.collection, *live):
                await self.collection.update_many(
                    {"_id": {"$in": live}, "revoked_at": None}, {"$set": {"revoked_at": at}}
                )
        return live


class MongoKioskTokens:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["kiosk_tokens"]

    async def add(self, token: KioskToken) -> None:
        fields = asdict(token)
        await self.collection.insert_one({"_id": fields.pop("token_id"), **fields})

    async def get(self, token_id: str) -> KioskToken | None:
        doc = await self.collection.find_one({"_id": token_id})
        return None if doc is None else KioskToken(token_id=doc["_id"], **_without_id(doc))

    async def list(self) -> list[KioskToken]:
        cursor = self.collection.find({}).sort("created_at", 1)
        return [KioskToken(token_id=d["_id"], **_without_id(d)) async for d in cursor]

    async def touch(self, token_id: str, at: datetime) -> None:
        async with writing(self.collection, token_id):
            await self.collection.update_one({"_id": token_id}, {"$set": {"last_used_at": at}})

    async def revoke(self, token_id: str, at: datetime) -> bool:
        async with writing(self.collection, token_id):
            result = await self.collection.update_one(
                {"_id": token_id, "revoked_at": None}, {"$set": {"revoked_at": at}}
            )
        return result.modified_count == 1


class MongoClients:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["clients"]

    async def add(self, client: IntegrationClient) -> None:
        fields = asdict(client)
        fields["scopes"] = sorted(client.scopes)
        await self.collection.insert_one({"_id": fields.pop("client_id"), **fields})

    async def get(self, client_id: str) -> IntegrationClient | None:
        doc = await self.collection.find_one({"_id": client_id})
        return None if doc is None else _client(doc)

    async def list(self) -> list[IntegrationClient]:
        return [_client(d) async for d in self.collection.find({}).sort("created_at", 1)]

    async def touch(self, client_id: str, at: datetime) -> None:
        async with writing(self.collection, client_id):
            await self.collection.update_one({"_id": client_id}, {"$set": {"last_used_at": at}})

    async def revoke(self, client_id: str, at: datetime) -> bool:
        async with writing(self.collection, client_id):
            result = await self.collection.update_one(
                {"_id": client_id, "revoked_at": None}, {"$set": {"revoked_at": at}}
            )
        return result.modified_count == 1


def _client(doc: Document) -> IntegrationClient:
    fields = _without_id(doc)
    fields["scopes"] = frozenset(fields["scopes"])
    return IntegrationClient(client_id=doc["_id"], **fields)


class MongoRevocations:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["revocations"]

    async def add(self, ids: Iterable[str], until: datetime) -> None:
        for revoked_id in ids:
            await upsert(self.collection, revoked_id, {"$max": {"until": until}})

    async def current(self, now: datetime) -> list[str]:
        cursor = self.collection.find({"until": {"$gt": now}}, {"_id": 1}).sort("_id", 1)
        return [d["_id"] async for d in cursor]

    async def purge_expired(self, now: datetime) -> None:
        """Delete the expired, each under its write lock: a revocation extended meanwhile
        (`add`) is not deleted by a filter read before the extension."""
        expired = {"until": {"$lte": now}}
        ids = [d["_id"] async for d in self.collection.find(expired, {"_id": 1})]
        for start in range(0, len(ids), PURGE_BATCH):
            batch = ids[start : start + PURGE_BATCH]
            async with writing(self.collection, *batch):
                await self.collection.delete_many({"_id": {"$in": batch}, **expired})


class MongoAuditLog:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["audit"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("at", 1)])

    async def append(self, record: AuditRecord) -> None:
        await self.collection.insert_one(_audit_document(record))

    async def add_once(self, record: AuditRecord) -> bool:
        # The insert's duplicate-`_id` check is atomic on FerretDB: a replay is refused.
        try:
            await self.collection.insert_one(_audit_document(record))
        except DuplicateKeyError:
            return False
        return True

    async def between(self, start: datetime, end: datetime, limit: int) -> list[AuditRecord]:
        cursor = (
            self.collection.find({"at": {"$gte": start, "$lt": end}})
            .sort([("at", 1), ("_id", 1)])
            .limit(limit)
        )
        return [_audit_record(d) async for d in cursor]


def _audit_document(record: AuditRecord) -> Document:
    fields = asdict(record)
    fields["outcome"] = record.outcome.value
    fields["actor_kind"] = record.actor_kind.value if record.actor_kind else None
    fields["details"] = dict(record.details)
    return {"_id": fields.pop("record_id"), **fields}


def _audit_record(doc: Document) -> AuditRecord:
    fields = _without_id(doc)
    fields["outcome"] = Outcome(fields["outcome"])
    kind = fields["actor_kind"]
    fields["actor_kind"] = PrincipalKind(kind) if kind else None
    fields["details"] = tuple(sorted(fields["details"].items()))
    return AuditRecord(record_id=doc["_id"], **fields)


class MongoRateLimiter:
    """Fixed windows counted in the database, so every replica shares the same limits."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["rate_limits"]

    async def hit(self, key: str, limit: int, window_seconds: int, now: datetime) -> int | None:
        epoch = int(now.timestamp())
        window_start = epoch - epoch % window_seconds
        window_end = window_start + window_seconds
        window_id = f"{key}|{window_start}"
        doc: Any
        # Parallel hits of one window take turns (no increment lost, S10.1); a first hit that
        # loses the insert to another replica's counts as a plain increment.
        async with writing(self.collection, window_id):
            try:
                doc = await self.collection.find_one_and_update(
                    {"_id": window_id},
                    {
                        "$inc": {"count": 1},
                        "$setOnInsert": {"expires_at": now + timedelta(seconds=window_end - epoch)},
                    },
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                doc = await self.collection.find_one_and_update(
                    {"_id": window_id},
                    {"$inc": {"count": 1}},
                    return_document=ReturnDocument.AFTER,
                )
        if doc["count"] <= limit:
            return None
        return max(window_end - epoch, 1)

    async def purge_expired(self, now: datetime) -> None:
        await self.collection.delete_many({"expires_at": {"$lte": now}})
