"""Every update of a stored document has one writer at a time.

FerretDB v1 applies an update as a read of the whole document and a write of the whole
document, outside a transaction: of two updates of one document at the same moment only one
survives, even when they set different fields (195 of 200 such pairs, measured on the test
stack; see `shelter_runtime.mongo.writing`). Lost that way, before this table existed: an
opened shelter shown as closed on the NGSI-LD broker, a check-out, an emergency lock of an
account, a session's revocation.

So each update call in the services and the shared runtime either runs inside a write lock
(`async with` one of `LOCKS`) or is listed in `SINGLE_WRITER` with the reason only one task
ever writes its documents. A new update with neither fails here: decide which it is. An entry
that no longer names an unlocked update fails too, so the table stays true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    *sorted(ROOT.glob("services/*/src")),
    ROOT / "libs/runtime/src",
    *sorted(ROOT.glob("edge/*/src")),
]

#: The calls that update a stored document in place (inserts and deletes cannot lose a field).
UPDATES = frozenset(
    {
        "update_one",
        "update_many",
        "replace_one",
        "find_one_and_update",
        "find_one_and_replace",
        "update_many_by_id",
    }
)

#: The locks an update may hold, as written in the `async with`.
LOCKS = {
    "writing(": "the document's write lock (shelter_runtime.mongo.writing)",
    "self._writing": "stats: one write at a time for the whole service (adapters/mongo.py)",
}

#: Unlocked updates, by `path::qualified function`, and why their documents have one writer.
SINGLE_WRITER = {
    "services/registration/src/shelter_registration/adapters/card_read_claims.py"
    "::MongoCardReadClaims.finish": "a claim is written by the card-read consumer that "
    "inserted it, which handles one card read at a time",
    "services/roster/src/shelter_roster/adapters/mongo.py::MongoRosterEntries.record_many": (
        "listings are written by the stay consumer only, one batch at a time, holding the "
        "personal-data lock that corrections and the disaster purge take too"
    ),
    "services/roster/src/shelter_roster/adapters/mongo.py::MongoNumbering.number_many": (
        "numbers are drawn by the stay consumer only, one batch at a time"
    ),
    "services/roster/src/shelter_roster/adapters/mongo.py::MongoNumbering.migrate": (
        "a start-up step: it finishes before any consumer or request runs"
    ),
    "services/roster/src/shelter_roster/adapters/mongo.py::MongoShelterDirectory.record": (
        "the directory is written by the shelter-event consumer only, one event at a time"
    ),
    "services/integration/src/shelter_integration/adapters/webhook_store.py"
    "::MongoWebhookStore.save_delivery": "a delivery is saved under the dispatcher's lock of "
    "its id (WebhookDispatcher._sending) or created once under a new id",
    "libs/runtime/src/shelter_runtime/disaster.py::MongoClosureLog.finish": (
        "a closure's report is written by the disaster consumer that claimed it, one event at "
        "a time"
    ),
    "libs/runtime/src/shelter_runtime/mongo.py::ShardedCollection.update_many_by_id.write": (
        "the primitive itself: its callers are held to this table"
    ),
}


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _is_update(call: ast.Call) -> bool:
    name = _name(call)
    if name in UPDATES:
        return True
    # The raw `update` command (ShardedCollection.update_many_by_id sends it itself).
    first = call.args[0] if call.args else None
    return name == "command" and isinstance(first, ast.Constant) and first.value == "update"


def updates() -> Iterator[tuple[str, bool]]:
    """Each update call as `path::function`, and whether a lock is held around it."""
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            yield from _visit(ast.parse(path.read_text()), where, [], False)


def _visit(node: ast.AST, where: str, scope: list[str], locked: bool) -> Iterator[tuple[str, bool]]:
    for child in ast.iter_child_nodes(node):
        inner, held = scope, locked
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            inner, held = [*scope, child.name], False  # a lock does not reach into a def
        elif isinstance(child, ast.AsyncWith):
            taken = [ast.unparse(item.context_expr) for item in child.items]
            held = locked or any(t.startswith(tuple(LOCKS)) for t in taken)
        elif isinstance(child, ast.Call) and _is_update(child):
            yield f"{where}::{'.'.join(scope)}", locked
        yield from _visit(child, where, inner, held)


def test_every_update_holds_a_write_lock_or_has_a_single_writer() -> None:
    unlocked = {site for site, locked in updates() if not locked}
    undeclared = sorted(unlocked - SINGLE_WRITER.keys())
    assert undeclared == [], (
        "updates without a write lock: wrap them in `writing(collection, id)` or, if only one "
        "task ever writes their documents, add them to SINGLE_WRITER with the reason"
    )


def test_every_single_writer_entry_names_an_unlocked_update() -> None:
    unlocked = {site for site, locked in updates() if not locked}
    assert sorted(SINGLE_WRITER.keys() - unlocked) == []


def test_the_scan_sees_the_updates_of_every_service() -> None:
    """The scan itself: it finds locked updates where they are known to be."""
    locked = {site for site, held in updates() if held}
    assert {
        "services/auth/src/shelter_auth/adapters/mongo.py::MongoAccounts.update",
        "services/integration/src/shelter_integration/adapters/mongo.py::MongoShelters._update_if",
        "services/registration/src/shelter_registration/adapters/mongo.py::MongoStays._apply",
        "services/stats/src/shelter_stats/adapters/mongo.py::MongoStatistics._update_many",
        "libs/runtime/src/shelter_runtime/outbox.py::OutboxRelay._publish_all",
    } <= locked
