"""Shared fixtures: a clean environment, a tiny service app, and logging that is put back."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shelter_runtime.http import JsonBody, ReadinessCheck, create_app
from shelter_runtime.logs import configure_logging
from shelter_runtime.problems import ProblemError
from shelter_runtime.settings import ServiceSettings

#: The body limit of the test app (the smallest the settings allow).
MAX_BODY_BYTES = 1024


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No setting leaks in from the shell (`make test` exports some): each test sets its own."""
    fields = set(ServiceSettings.model_fields)
    for name in list(os.environ):
        if name.lower() in fields:
            monkeypatch.delenv(name)


class Thing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=50)]
    count: int = Field(ge=0, le=1000)


def _router(calls: list[Thing]) -> APIRouter:
    router = APIRouter()

    @router.post("/things", dependencies=[JsonBody], status_code=201)
    async def create_thing(thing: Thing) -> dict[str, int]:
        calls.append(thing)
        return {"count": thing.count}

    @router.get("/stays/{stay_id}")
    async def closed_stay(stay_id: Annotated[str, Path()]) -> None:
        raise ProblemError(
            409,
            "stay-closed",
            "The stay is already closed",
            "既に退所済みです",
            detail="Check the stay id",
            stay_id=stay_id,
        )

    @router.get("/busy")
    async def busy() -> None:
        raise ProblemError.for_status(503, detail="Kafka is down")

    @router.get("/cached")
    async def cached() -> Response:
        return Response(
            "{}", media_type="application/json", headers={"Cache-Control": "max-age=60"}
        )

    return router


@pytest.fixture(scope="session")
def readiness() -> dict[str, bool]:
    """What each readiness check answers; tests flip entries with monkeypatch.setitem."""
    return {"kafka": True, "database": True}


@pytest.fixture(scope="session")
def endpoint_calls() -> list[Thing]:
    """Bodies that reached the endpoint (the app is shared by the session)."""
    return []


@pytest.fixture(scope="session")
def app(readiness: dict[str, bool], endpoint_calls: list[Thing]) -> FastAPI:
    def check(name: str) -> ReadinessCheck:
        async def answer() -> bool:
            return readiness[name]

        return answer

    return create_app(
        title="test",
        version="0.0.1",
        routers=[_router(endpoint_calls)],
        checks={name: check(name) for name in readiness},
        max_body_bytes=MAX_BODY_BYTES,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka")


@contextmanager
def _json_logging(service: str) -> Iterator[None]:
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    saved = {
        name: (list(lg.handlers), lg.propagate, lg.disabled, lg.level)
        for name in _LOGGERS
        for lg in [logging.getLogger(name)]
    }
    configure_logging(service)
    try:
        yield
    finally:
        root.handlers[:] = saved_root[0]
        root.setLevel(saved_root[1])
        for name, (handlers, propagate, disabled, level) in saved.items():
            lg = logging.getLogger(name)
            lg.handlers[:] = handlers
            lg.propagate, lg.disabled = propagate, disabled
            lg.setLevel(level)


@pytest.fixture
def json_logging() -> Callable[[str], AbstractContextManager[None]]:
    """`with json_logging("svc"):` configures logging and puts the previous set-up back.

    Used inside the test body, so pytest's own capture handlers of that phase are restored.
    """
    return _json_logging
