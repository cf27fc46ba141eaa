"""A fake NGSI-LD context broker: the operations the integration service uses, as Orion-LD has them.

A sketch of the real thing, strict where the publisher could go wrong.

No NGSI-LD broker can be installed from the registries the project's machines reach, so the
publisher's contract tests and the local stacks run this one. Each rule below names its source:
[CIM009] ETSI GS CIM 009 (NGSI-LD API) with its clause, [OLD] Orion-LD's documentation
(FIWARE/context.Orion-LD, doc/manuals-ld), [REF] ../shared/reference/ngsi-ld.md, which
gathers both. Anything the publisher does not use is not implemented (and answers 501).

Faults can be injected (down, slow, a whole-request status, per-entity errors), in process
through `FakeBroker.faults` and `FakeBroker.transport()`, or over the control port of the
process: `python -m shelter_testing.ngsi_ld_broker --port 1026 --control-port 1027`.
Control API: `PUT /faults` (a `Faults` document), `GET /entities?tenant=` (everything stored,
even while "down"), `GET /stats`, `POST /reset`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from shelter_testing.stack import STACK_SCRIPT

Entity = dict[str, Any]

ERROR_TYPE_BASE = "https://uri.etsi.org/ngsi-ld/errors/"
#: [REF] "Link header (`<url>; rel="http://www.w3.org/ns/json-ld#context"; type=...`)".
CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
#: [CIM009 6.3.4] NGSILD-Tenant selects the tenant.
TENANT_HEADER = "NGSILD-Tenant"
#: [REF] "Default request-body cap 1 MiB" (Orion-LD's default for incoming payloads).
MAX_BODY_BYTES = 1024 * 1024
#: [REF] "query `limit` 0-1000" (Orion-LD's maximum page size).
MAX_LIMIT = 1000
_LINK = re.compile(r"<([^>]*)>\s*;(.*)")


def error(status: int, name: str, title: str, detail: str = "") -> JSONResponse:
    """[CIM009 5.5.2, REF] Errors are `{"type": ".../errors/<Name>", "title", "detail"}`."""
    body = {"type": ERROR_TYPE_BASE + name, "title": title, "detail": detail}
    # [CIM009 6.3.2] error bodies are application/json (ProblemDetails).
    return JSONResponse(body, status_code=status, media_type="application/json")


def _error_object(status: int, name: str, title: str, detail: str = "") -> dict[str, Any]:
    return {"type": ERROR_TYPE_BASE + name, "title": title, "detail": detail, "status": status}


@dataclass
class Faults:
    """What goes wrong on purpose. `status` answers whole requests; `times` bounds it."""

    down: bool = False
    delay_seconds: float = 0.0
    status: int | None = None
    times: int | None = None
    #: Entity ids an upsert refuses one by one (a 207 with these in `errors`).
    entity_errors: set[str] = field(default_factory=set)

    def take_status(self) -> int | None:
        if self.status is None:
            return None
        if self.times is not None:
            if self.times <= 0:
                return None
            self.times -= 1
        return self.status


@dataclass
class Stats:
    upserts: int = 0
    upserted_entities: int = 0
    requests: int = 0
    refused: int = 0
    #: The headers of the last upsert (lower-case names), for Link / tenant checks.
    last_upsert_headers: dict[str, str] = field(default_factory=dict)


class FakeBroker:
    def __init__(self, *, multi_tenant: bool = True) -> None:
        self.multi_tenant = multi_tenant
        #: Entities by tenant ("" is the default tenant) and id, in normalised form.
        self.tenants: dict[str, dict[str, Entity]] = {"": {}}
        self.faults = Faults()
        self.stats = Stats()
        #: Set whenever the control API changes the faults (the process wakes on it).
        self.faults_changed = asyncio.Event()
        self.app = Starlette(
            routes=[
                Route("/ngsi-ld/v1/entityOperations/upsert", self.upsert, methods=["POST"]),
                Route("/ngsi-ld/v1/entities", self.create, methods=["POST"]),
                Route("/ngsi-ld/v1/entities", self.query, methods=["GET"]),
                Route("/ngsi-ld/v1/entities/{entity_id:path}/attrs", self.patch, methods=["PATCH"]),
                Route("/ngsi-ld/v1/entities/{entity_id:path}", self.retrieve, methods=["GET"]),
                Route("/ngsi-ld/v1/entities/{entity_id:path}", self.delete, methods=["DELETE"]),
            ]
        )
        self.app.add_middleware(_FaultMiddleware, broker=self)
        self.control = Starlette(
            routes=[
                Route("/faults", self._set_faults, methods=["PUT"]),
                Route("/entities", self._dump, methods=["GET"]),
                Route("/stats", self._stats, methods=["GET"]),
                Route("/reset", self._reset, methods=["POST"]),
            ]
        )

    # --- in-process use -----------------------------------------------------------------------

    def transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport to this broker; while `faults.down`, connections are refused."""
        return _DownableTransport(self)

    def entity(self, entity_id: str, tenant: str = "") -> Entity | None:
        return self.tenants.get(tenant, {}).get(entity_id)

    def reset(self) -> None:
        self.tenants = {"": {}}
        self.faults = Faults()
        self.stats = Stats()

    # --- shared request checks ----------------------------------------------------------------

    def _tenant(self, request: Request, *, creating: bool) -> tuple[str, JSONResponse | None]:
        tenant = request.headers.get(TENANT_HEADER)
        if tenant is None:
            return "", None
        if not self.multi_tenant:
            # [REF] "only when the broker runs multi-tenant; otherwise the header is a 400"
            # (Orion-LD without -multiservice: NoMultiTenantSupport).
            return "", error(400, "NoMultiTenantSupport", "Tenants not supported", tenant)
        if tenant not in self.tenants:
            if not creating:
                # [REF, CIM009 6.3.4] other calls on an unknown tenant -> 404 NonExistingTenant.
                return "", error(404, "NonExistingTenant", "No such tenant", tenant)
            # [REF] "Create/upsert create the tenant".
            self.tenants[tenant] = {}
        return tenant, None

    async def _payload(self, request: Request) -> tuple[Any, str | None, JSONResponse | None]:
        """The body, the @context given by Link (if any), or the error to answer."""
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return None, None, error(413, "BadRequestData", "Payload too large", str(len(body)))
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        link = request.headers.get("link")
        if media_type not in ("application/json", "application/ld+json"):
            # [CIM009 6.3.4] only JSON and JSON-LD are accepted -> 415.
            return None, None, error(415, "BadRequestData", "Unsupported media type", media_type)
        if media_type == "application/ld+json" and link is not None:
            # [CIM009 6.3.5, REF] ld+json carries the @context in the body: a Link too -> 400.
            return None, None, error(400, "BadRequestData", "Link header with ld+json", "")
        context_url = None
        if link is not None:
            found = _LINK.match(link.strip())
            if found is None or f'rel="{CONTEXT_REL}"' not in found.group(2):
                # [CIM009 6.3.5] the Link header must be the JSON-LD context relation.
                return None, None, error(400, "BadRequestData", "Bad Link header", link)
            context_url = found.group(1)
        try:
            payload = json.loads(body)
        except ValueError:
            return None, None, error(400, "InvalidRequest", "Invalid JSON", "")
        items = payload if isinstance(payload, list) else [payload]
        for item in items:
            if not isinstance(item, dict):
                return None, None, error(400, "BadRequestData", "Not a JSON object", "")
            has_context = "@context" in item
            if media_type == "application/json" and has_context:
                # [CIM009 6.3.5] application/json bodies never carry @context -> 400.
                return None, None, error(400, "BadRequestData", "@context in a JSON body", "")
            if media_type == "application/ld+json" and not has_context:
                # [REF] "With ld+json batches every array item needs its own @context".
                return None, None, error(400, "BadRequestData", "@context missing", "")
        return payload, context_url, None

    # --- operations ---------------------------------------------------------------------------

    async def upsert(self, request: Request) -> Response:
        """[CIM009 5.6.8, REF] Batch upsert: 201 created ids, 204 all updated, 207 otherwise."""
        options = set(request.query_params.get("options", "").split(",")) - {""}
        if {"replace", "update"} <= options:
            # [REF] "?options=replace (default) or ?options=update; both -> 400".
            return error(400, "BadRequestData", "replace and update are exclusive", "")
        tenant, refused = self._tenant(request, creating=True)
        if refused is not None:
            return refused
        payload, _, refused = await self._payload(request)
        if refused is not None:
            return refused
        if not isinstance(payload, list) or not payload:
            # [REF] "a non-empty JSON array".
            return error(400, "BadRequestData", "A non-empty JSON array is required", "")
        self.stats.upserts += 1
        self.stats.last_upsert_headers = {k.lower(): v for k, v in request.headers.items()}
        store = self.tenants[tenant]
        merged: dict[str, Entity] = {}
        errors: list[dict[str, Any]] = []
        for item in payload:
            entity_id, entity_type = item.get("id"), item.get("type")
            if not isinstance(entity_id, str) or ":" not in entity_id or not entity_type:
                # [CIM009 5.6.8] an entity without a URI id or a type fails on its own.
                errors.append(
                    {
                        "entityId": str(entity_id),
                        "error": _error_object(400, "BadRequestData", "Invalid entity", ""),
                    }
                )
                continue
            # [REF, OLD] "Duplicate ids in one array are merged" (the later attributes win).
            merged[entity_id] = {**merged.get(entity_id, {}), **item}
        created: list[str] = []
        success: list[str] = []
        for entity_id, item in merged.items():
            if entity_id in self.faults.entity_errors:
                errors.append(
                    {
                        "entityId": entity_id,
                        "error": _error_object(400, "BadRequestData", "Refused (injected)", ""),
                    }
                )
                continue
            item = {k: v for k, v in item.items() if k != "@context"}
            if entity_id in store and "update" in options:
                # [CIM009 5.6.8] update: attributes are appended or overwritten.
                store[entity_id] = {**store[entity_id], **item}
            else:
                # [CIM009 5.6.8] replace (default): the entity is replaced as a whole.
                if entity_id not in store:
                    created.append(entity_id)
                store[entity_id] = item
            success.append(entity_id)
        self.stats.upserted_entities += len(success)
        if errors:
            # [CIM009 5.6.8, REF] BatchOperationResult: success ids and per-entity errors.
            return JSONResponse({"success": success, "errors": errors}, status_code=207)
        if created:
            return JSONResponse(created, status_code=201)
        return Response(status_code=204)

    async def create(self, request: Request) -> Response:
        """[CIM009 5.6.1, REF] 201 + Location; an existing id -> 409 AlreadyExists."""
        tenant, refused = self._tenant(request, creating=True)
        if refused is not None:
            return refused
        payload, _, refused = await self._payload(request)
        if refused is not None:
            return refused
        if not isinstance(payload, dict) or not payload.get("id") or not payload.get("type"):
            return error(400, "BadRequestData", "id and type are required", "")
        entity_id = payload["id"]
        if entity_id in self.tenants[tenant]:
            return error(409, "AlreadyExists", "Entity already exists", entity_id)
        self.tenants[tenant][entity_id] = {k: v for k, v in payload.items() if k != "@context"}
        return Response(status_code=201, headers={"Location": f"/ngsi-ld/v1/entities/{entity_id}"})

    async def retrieve(self, request: Request) -> Response:
        """[CIM009 5.7.1] The entity (normalised, or keyValues); 404 ResourceNotFound."""
        tenant, refused = self._tenant(request, creating=False)
        if refused is not None:
            return refused
        entity_id = request.path_params["entity_id"]
        entity = self.tenants[tenant].get(entity_id)
        if entity is None:
            return error(404, "ResourceNotFound", "Entity not found", entity_id)
        return JSONResponse(_render(entity, request))

    async def query(self, request: Request) -> Response:
        """[CIM009 5.7.2] Entities by type, paginated; `limit` 0-1000 [REF]."""
        tenant, refused = self._tenant(request, creating=False)
        if refused is not None:
            return refused
        try:
            limit = int(request.query_params.get("limit", "20"))
            offset = int(request.query_params.get("offset", "0"))
        except ValueError:
            return error(400, "BadRequestData", "limit and offset are integers", "")
        if not 0 <= limit <= MAX_LIMIT or offset < 0:
            return error(400, "BadRequestData", "limit out of range", str(limit))
        wanted = request.query_params.get("type")
        if wanted is None and "q" not in request.query_params and "id" not in request.query_params:
            # [CIM009 5.7.2] a query needs at least type, attrs, q, geoQ or id.
            return error(400, "BadRequestData", "Too broad query", "give type")
        found = [e for e in self.tenants[tenant].values() if wanted in (None, e.get("type"))]
        found.sort(key=lambda e: str(e["id"]))
        page = [_render(e, request) for e in found[offset : offset + limit]]
        headers = {}
        if request.query_params.get("count") == "true":
            headers["NGSILD-Results-Count"] = str(len(found))  # [CIM009 6.3.13]
        return JSONResponse(page, headers=headers)

    async def patch(self, request: Request) -> Response:
        """[CIM009 5.6.3, REF] Existing attributes only: 204, or 207 with `notUpdated`."""
        tenant, refused = self._tenant(request, creating=False)
        if refused is not None:
            return refused
        payload, _, refused = await self._payload(request)
        if refused is not None:
            return refused
        entity_id = request.path_params["entity_id"]
        entity = self.tenants[tenant].get(entity_id)
        if entity is None:
            return error(404, "ResourceNotFound", "Entity not found", entity_id)
        updated, missing = [], []
        for name, value in payload.items():
            if name == "@context":
                continue
            if name in entity:
                entity[name] = value
                updated.append(name)
            else:
                missing.append(name)
        if missing:
            return JSONResponse(
                {
                    "updated": updated,
                    "notUpdated": [
                        {"attributes": missing, "statusCode": 404, "title": "Attribute not found"}
                    ],
                },
                status_code=207,
            )
        return Response(status_code=204)

    async def delete(self, request: Request) -> Response:
        """[CIM009 5.6.6] 204, or 404 ResourceNotFound."""
        tenant, refused = self._tenant(request, creating=False)
        if refused is not None:
            return refused
        entity_id = request.path_params["entity_id"]
        if self.tenants[tenant].pop(entity_id, None) is None:
            return error(404, "ResourceNotFound", "Entity not found", entity_id)
        return Response(status_code=204)

    # --- control ------------------------------------------------------------------------------

    async def _set_faults(self, request: Request) -> Response:
        body = await request.json()
        self.faults = Faults(
            down=bool(body.get("down", False)),
            delay_seconds=float(body.get("delay_seconds", 0.0)),
            status=body.get("status"),
            times=body.get("times"),
            entity_errors=set(body.get("entity_errors", [])),
        )
        self.faults_changed.set()
        return Response(status_code=204)

    async def _dump(self, request: Request) -> Response:
        return JSONResponse(self.tenants.get(request.query_params.get("tenant", ""), {}))

    async def _stats(self, _: Request) -> Response:
        return JSONResponse(
            {
                "upserts": self.stats.upserts,
                "upserted_entities": self.stats.upserted_entities,
                "requests": self.stats.requests,
                "refused": self.stats.refused,
                "down": self.faults.down,
            }
        )

    async def _reset(self, _: Request) -> Response:
        self.reset()
        self.faults_changed.set()
        return Response(status_code=204)


def _render(entity: Entity, request: Request) -> Entity:
    """[CIM009 4.5.3] keyValues (simplified) or the normalised form."""
    if "keyValues" not in request.query_params.get("options", "").split(","):
        return entity
    out: Entity = {}
    for key, value in entity.items():
        if isinstance(value, dict) and value.get("type") == "Relationship":
            out[key] = value.get("object")
        elif isinstance(value, dict) and "value" in value:
            out[key] = value["value"]
        else:
            out[key] = value
    return out


class _FaultMiddleware:
    """Injected faults before any rule: slowness, then a whole-request status."""

    def __init__(self, app: Callable[..., Any], broker: FakeBroker) -> None:
        self._app = app
        self._broker = broker

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        broker = self._broker
        broker.stats.requests += 1
        if broker.faults.delay_seconds:
            await asyncio.sleep(broker.faults.delay_seconds)
        status = broker.faults.take_status()
        if status is not None:
            broker.stats.refused += 1
            name = "BadRequestData" if status < 500 else "InternalError"
            response = error(status, name, "Injected failure", str(status))
            await response(scope, receive, send)
            return
        await self._app(scope, receive, send)


class _DownableTransport(httpx.AsyncBaseTransport):
    def __init__(self, broker: FakeBroker) -> None:
        self._broker = broker
        self._asgi = httpx.ASGITransport(app=broker.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._broker.faults.down:
            raise httpx.ConnectError("connection refused (the fake broker is down)")
        return await self._asgi.handle_async_request(request)


# --- as a process ------------------------------------------------------------------------------


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to `run` (two servers share one process)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _server(app: Any, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    return _Server(config)


async def run(host: str, port: int, control_port: int, multi_tenant: bool) -> None:
    """Serve the broker and its control API; "down" really closes the broker's port."""
    broker = FakeBroker(multi_tenant=multi_tenant)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    changed = broker.faults_changed

    def on_signal() -> None:
        stop.set()
        changed.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal)
    control = _server(broker.control, host, control_port)
    control_task = asyncio.create_task(control.serve())
    while not stop.is_set():
        server = _server(broker.app, host, port)
        serving = asyncio.create_task(server.serve())
        while not broker.faults.down and not stop.is_set():
            changed.clear()
            await changed.wait()
        server.should_exit = True
        await serving
        while broker.faults.down and not stop.is_set():
            changed.clear()
            await changed.wait()
    control.should_exit = True
    await control_task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1026)
    parser.add_argument("--control-port", type=int, default=1027)
    parser.add_argument("--single-tenant", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.host, args.port, args.control_port, not args.single_tenant))


if __name__ == "__main__":
    main()


def stack_broker_urls(stack_name: str) -> tuple[str, str]:
    """The broker and control URLs of a local stack's fake broker (deploy/local/ports.env)."""
    if os.environ.get("STACK_NAME") == stack_name and "STACK_NGSI_BROKER_PORT" in os.environ:
        port = os.environ["STACK_NGSI_BROKER_PORT"]
        control = os.environ["STACK_NGSI_BROKER_CONTROL_PORT"]
    else:
        out = subprocess.run(  # noqa: S603 - our own script
            [str(STACK_SCRIPT), "env", stack_name], check=True, capture_output=True, text=True
        ).stdout
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        port, control = env["NGSI_BROKER_PORT"], env["NGSI_BROKER_CONTROL_PORT"]
    return f"http://127.0.0.1:{port}", f"http://127.0.0.1:{control}"
