"""The FastAPI pieces every service shares: probes, JSON-only bodies, problem details, ETags."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse

from shelter_runtime.problems import BodyLimitMiddleware, ProblemError, install_problem_handlers

ReadinessCheck = Callable[[], Awaitable[bool]]


def probes_router(
    checks: dict[str, ReadinessCheck], reported: dict[str, ReadinessCheck] | None = None
) -> APIRouter:
    """`/healthz`: the process answers. `/readyz`: every dependency (Kafka, database) answers.

    `reported` links are shown in `/readyz` but do not make the service unready: a link the
    service rides out by itself (an outside broker it retries and resyncs) must not take every
    replica out of the load balancer and stop the APIs that do not need it.
    """
    every = {**checks, **(reported or {})}
    router = APIRouter(tags=["probes"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process is serving requests."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "A dependency is not reachable"}})
    async def readyz() -> JSONResponse:
        """Readiness: Kafka and the database answer."""
        names = list(every)
        results = await asyncio.gather(*(every[n]() for n in names))
        status = {n: ("ok" if ok else "unreachable") for n, ok in zip(names, results, strict=True)}
        ready = all(ok for n, ok in zip(names, results, strict=True) if n in checks)
        return JSONResponse(
            {"status": "ready" if ready else "not-ready", "checks": status},
            status_code=200 if ready else 503,
        )

    return router


async def require_json(
    content_type: Annotated[str | None, Header()] = None,
) -> None:
    """Refuse request bodies that are not JSON with 415 instead of a confusing 422."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ProblemError.for_status(415, detail=f"Content-Type was {media_type or 'missing'}")


JsonBody = Depends(require_json)


def etag_of(body: bytes) -> str:
    """A strong entity tag of an answer's bytes (same bytes: same tag)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches_etag(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names `etag`.

    The weak comparison RFC 9110 13.1.2 prescribes for If-None-Match: `W/"x"` matches `"x"`,
    and `*` matches any current representation.
    """
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in [t.removeprefix("W/") for t in tags]


def create_app(
    *,
    title: str,
    version: str,
    routers: Sequence[APIRouter],
    checks: dict[str, ReadinessCheck],
    reported_checks: dict[str, ReadinessCheck] | None = None,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    max_body_bytes: int = 64 * 1024,
    root_path: str = "",
) -> FastAPI:
    """A service app with probes, problem details and a body size limit."""

    @asynccontextmanager
    async def _no_lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title=title,
        version=version,
        lifespan=lifespan or _no_lifespan,
        root_path=root_path,
    )
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    app.include_router(probes_router(checks, reported_checks))
    for router in routers:
        app.include_router(router)

    @app.middleware("http")
    async def _no_store(
        request: Request, call_next: Callable[[Request], Awaitable[object]]
    ) -> object:
        response = await call_next(request)
        # API answers may hold personal data: never cache them in browsers or proxies.
        response.headers.setdefault("Cache-Control", "no-store")  # type: ignore[attr-defined]
        return response

    return app
