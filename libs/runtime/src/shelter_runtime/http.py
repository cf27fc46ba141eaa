"""The FastAPI pieces every service shares: probes, JSON-only bodies, problem details."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse

from shelter_runtime.problems import BodyLimitMiddleware, ProblemError, install_problem_handlers

ReadinessCheck = Callable[[], Awaitable[bool]]


def probes_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    """`/healthz`: the process answers. `/readyz`: every dependency (Kafka, database) answers."""
    router = APIRouter(tags=["probes"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process is serving requests."""
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "A dependency is not reachable"}})
    async def readyz() -> JSONResponse:
        """Readiness: Kafka and the database answer."""
        names = list(checks)
        results = await asyncio.gather(*(checks[n]() for n in names))
        status = {n: ("ok" if ok else "unreachable") for n, ok in zip(names, results, strict=True)}
        ready = all(results)
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


def create_app(
    *,
    title: str,
    version: str,
    routers: Sequence[APIRouter],
    checks: dict[str, ReadinessCheck],
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
    app.include_router(probes_router(checks))
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
