"""Wires the auth service: MongoDB repositories, signing keys, Argon2id and the HTTP API."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_auth.adapters.clock import SystemClock
from shelter_auth.adapters.keys import SigningKeys
from shelter_auth.adapters.mongo import (
    MongoAccounts,
    MongoAuditLog,
    MongoClients,
    MongoKioskTokens,
    MongoPolicies,
    MongoRateLimiter,
    MongoRevocations,
    MongoSessions,
)
from shelter_auth.adapters.passwords import Argon2Hasher
from shelter_auth.config import Settings
from shelter_auth.entrypoints.deps import LocalRevocations
from shelter_auth.entrypoints.http import (
    accounts,
    audit,
    clients,
    kiosk_tokens,
    sessions,
    settings_router,
)
from shelter_auth.service_layer import handlers
from shelter_contracts.events import AuditRecorded
from shelter_contracts.topics import AUDIT
from shelter_runtime.consumer import subscribe
from shelter_runtime.security import StaticKeys, Verifier, install_verifier
from shelter_runtime.settings import Environment
from shelter_runtime.wiring import build_app, connect

log = logging.getLogger(__name__)


def signing_keys(settings: Settings) -> SigningKeys:
    """The configured keys; an ephemeral key outside production (Settings refuse it there)."""
    if settings.signing_key_pem is not None and settings.signing_key_pem.get_secret_value():
        return SigningKeys.from_pem(settings.signing_key_pem.get_secret_value())
    assert settings.environment is not Environment.PRODUCTION
    keys = SigningKeys.ephemeral()
    log.warning(
        "No SIGNING_KEY_PEM: signing with an ephemeral key; tokens end with this process "
        "(development and tests only)"
    )
    return keys


def token_rules(settings: Settings) -> handlers.TokenRules:
    return handlers.TokenRules(
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        access_ttl=timedelta(minutes=settings.access_token_minutes),
        session_ttl=timedelta(hours=settings.session_hours),
        sign_in_per_user=settings.sign_in_limit_per_user,
        sign_in_per_ip=settings.sign_in_limit_per_ip,
    )


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The auth app, ready to serve; connections open in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    sessions_repo, audit_repo = MongoSessions(parts.db), MongoAuditLog(parts.db)
    revocations, limiter = MongoRevocations(parts.db), MongoRateLimiter(parts.db)
    deps = handlers.Dependencies(
        accounts=MongoAccounts(parts.db),
        policies=MongoPolicies(parts.db),
        sessions=sessions_repo,
        kiosk_tokens=MongoKioskTokens(parts.db),
        clients=MongoClients(parts.db),
        revocations=revocations,
        audit=audit_repo,
        rate_limiter=limiter,
        hasher=Argon2Hasher(),
        signer=signing_keys(settings),
        clock=SystemClock(),
        rules=token_rules(settings),
    )
    parts.on_startup += [sessions_repo.ensure_indexes, audit_repo.ensure_indexes]

    async def purge_expired() -> None:
        """No TTL indexes on FerretDB: old revocations and rate-limit windows go here."""
        while True:
            await asyncio.sleep(settings.purge_interval_seconds)
            try:
                now = deps.clock.now()
                await revocations.purge_expired(now)
                await limiter.purge_expired(now)
                await sessions_repo.purge_claims(now - deps.rules.session_ttl)
            except Exception:
                log.exception("Purging expired revocations failed; retrying later")

    parts.background.append(purge_expired)

    async def on_audit_event(event: AuditRecorded) -> None:
        await handlers.store_audit_event(event, deps)

    # The other services' audit records (roster edits, exports, settings, shelters, S10.8).
    subscribe(parts, AUDIT, on_audit_event)
    app = build_app(
        parts,
        title="Shelter check-in: auth",
        routers=[sessions, accounts, settings_router, kiosk_tokens, clients, audit],
    )
    app.state.settings = settings
    install_app_deps(app, deps)
    return app


def install_app_deps(
    app: FastAPI, deps: handlers.Dependencies, revocation_cache_seconds: float = 1.0
) -> None:
    """Handlers' dependencies and the verifier of the service's own tokens (tests swap fakes)."""
    settings: Settings = app.state.settings
    app.state.deps = deps
    install_verifier(
        app,
        Verifier(
            keys=StaticKeys(deps.signer.jwks),
            revocations=LocalRevocations(deps, revocation_cache_seconds),
            audience=settings.service_name,
            issuer=settings.token_issuer,
        ),
    )
