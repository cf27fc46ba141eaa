"""RFC 9457 problem details: every error crosses HTTP as application/problem+json.

The `type` URIs are stable identifiers (they are not fetched); `title` is English and
`title_ja` Japanese so that the UI can show either without a lookup table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://shelter-checkin.example/problems/"


class InvalidParam(BaseModel):
    """One field that failed validation; the value itself is never echoed back."""

    name: str
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem details object with a Japanese title as an extension member."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="Stable URI identifying the problem type")
    title: str
    title_ja: str
    status: int
    detail: str | None = None
    instance: str | None = None
    invalid_params: list[InvalidParam] | None = Field(
        default=None, serialization_alias="invalid-params"
    )


class ProblemError(Exception):
    """Raised by entrypoints and handlers; turned into a problem response."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        title_ja: str,
        detail: str | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(title)
        self.status = status
        self.slug = slug
        self.title = title
        self.title_ja = title_ja
        self.detail = detail
        self.extensions = extensions

    @classmethod
    def for_status(cls, status: int, detail: str | None = None) -> ProblemError:
        """The generic problem of an HTTP status, with the shared titles."""
        slug, title, title_ja = _STATUS_TEXT[status]
        return cls(status, slug, title, title_ja, detail)


_STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Bad request", "リクエストが正しくありません"),
    401: ("unauthorized", "Authentication required", "認証が必要です"),
    403: ("forbidden", "Forbidden", "この操作は許可されていません"),
    404: ("not-found", "Not found", "見つかりません"),
    405: ("method-not-allowed", "Method not allowed", "この操作はできません"),
    409: ("conflict", "Conflict", "競合が発生しました"),
    413: ("payload-too-large", "Request body too large", "送信データが大きすぎます"),
    415: (
        "unsupported-media-type",
        "Unsupported media type: send application/json",
        "データ形式が正しくありません（JSONで送信してください）",
    ),
    422: ("validation-error", "Some fields are missing or invalid", "入力内容に誤りがあります"),
    429: (
        "too-many-requests",
        "Too many requests",
        "リクエストが多すぎます。しばらくお待ちください",
    ),
    503: ("unavailable", "Service temporarily unavailable", "一時的に利用できません"),
}


def problem_response(problem: Problem, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json", by_alias=True, exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def problem_for_status(status: int, instance: str | None, detail: str | None = None) -> Problem:
    slug, title, title_ja = _STATUS_TEXT.get(
        status, ("http-error", "HTTP error", "エラーが発生しました")
    )
    return Problem(
        type=TYPE_BASE + slug,
        title=title,
        title_ja=title_ja,
        status=status,
        detail=detail,
        instance=instance,
    )


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    problem = Problem(
        type=TYPE_BASE + exc.slug,
        title=exc.title,
        title_ja=exc.title_ja,
        status=exc.status,
        detail=exc.detail,
        instance=request.url.path,
        **exc.extensions,
    )
    return problem_response(problem)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problem = problem_for_status(422, request.url.path)
    problem.invalid_params = [
        InvalidParam(name=_field_name(tuple(err["loc"])), reason=err["msg"]) for err in exc.errors()
    ]
    return problem_response(problem)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        problem_for_status(exc.status_code, request.url.path, detail), headers=exc.headers
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Map validation errors, HTTP errors and ProblemError to problem details."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)


class BodyLimitMiddleware:
    """Refuses bodies over a limit with 413 before the app sees them (chunked bodies too).

    The body is read up front (it is small by definition) and replayed to the app: raising
    from inside `receive` would be turned into a 400 by FastAPI's body parsing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(problem_for_status(413, scope.get("path")))
        await response(scope, receive, send)
