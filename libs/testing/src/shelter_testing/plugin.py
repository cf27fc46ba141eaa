"""Pytest plugin: tier markers from folders, the stack, a namespace and database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from pymongo import AsyncMongoClient

from shelter_runtime.mongo import Document
from shelter_testing import stack as local_stack

TIERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test's folder names its tier: tests/unit, tests/integration or tests/e2e."""
    for item in items:
        parts = Path(str(item.path)).parts
        tier = next((t for t in TIERS if t in parts), None)
        if tier is None:
            raise pytest.UsageError(f"{item.nodeid} is not under a unit/integration/e2e folder")
        item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def stack() -> Iterator[local_stack.Stack]:
    """The running test stack; started here (and stopped after) when nobody started it.

    `stack.sh with test-NAME --` runs the tests against its own stack (side-by-side work).
    """
    name = os.environ.get("STACK_NAME", "test")
    if not name.startswith("test"):
        name = "test"
    current = local_stack.describe(name)
    started_here = False
    if not current.ready():
        local_stack.start(name)
        started_here = True
        if not current.ready():
            pytest.fail(f"the {name} stack did not become ready: see .stack/{name}/logs/stack.log")
    yield current
    if started_here:
        local_stack.stop(name)


@pytest.fixture(scope="session")
async def admin_headers(stack: local_stack.Stack) -> dict[str, str]:
    """An administrator's Authorization header, signed in through the gateway (S10.1)."""
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as client:
        HTTPXClientInstrumentor.uninstrument_client(client)
        response = await client.post(
            "/api/auth/sign-in", json={"user_id": "admin", "password": stack.admin_password()}
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def namespace() -> str:
    """A topic namespace of this test's own: its topics hold only what it published."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
async def mongo_client(stack: local_stack.Stack) -> AsyncIterator[AsyncMongoClient[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        stack.mongodb_uri, tz_aware=True, uuidRepresentation="standard"
    )
    yield client
    await client.close()


@pytest.fixture
async def database_name(mongo_client: AsyncMongoClient[Document]) -> AsyncIterator[str]:
    """A database of this test's own, dropped afterwards."""
    name = f"t{uuid.uuid4().hex[:12]}"
    yield name
    await mongo_client.drop_database(name)
