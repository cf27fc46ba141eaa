"""What the routes share: handler dependencies, settings, body guards and refusal mapping."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request, Response
from fastapi.routing import APIRoute

from shelter_contracts.events import ShelterId
from shelter_registration.config import Settings
from shelter_registration.domain import links, model, open_data
from shelter_registration.service_layer import handlers
from shelter_runtime.http import require_json
from shelter_runtime.problems import ProblemError
from shelter_runtime.security import Principal, PrincipalKind, Role, require


def get_deps(request: Request) -> handlers.Dependencies:
    deps: handlers.Dependencies = request.app.state.deps
    return deps


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


Deps = Annotated[handlers.Dependencies, Depends(get_deps)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ShelterPath = Annotated[ShelterId, Path(description="Shelter id")]

# --- who may call (S10, S16) -------------------------------------------------------------------
# Public routes (the smartphone check-in, check-out and form data) declare none of these.
# Headquarters viewers are refused on every unsafe method by `require` itself.
_ADMIN, _STAFF, _HQ = Role.ADMINISTRATOR, Role.SHELTER_STAFF, Role.HQ_VIEWER
#: Shelter master data, imports and settings.
Administrator = Annotated[Principal, Depends(require(_ADMIN))]
#: Any staff member: the shelter list (names and states, no personal data).
AnyStaff = Annotated[Principal, Depends(require(_ADMIN, _STAFF, _HQ))]
#: Every shelter at once (the QR sheet of all shelters): administrators and headquarters.
AllShelters = Annotated[Principal, Depends(require(_ADMIN, _HQ))]
#: Staff of the shelter in the path: open, close, training mode.
ShelterStaff = Annotated[Principal, Depends(require(_ADMIN, _STAFF, shelter_param="shelter_id"))]
#: Reading what the staff of the shelter in the path read (QR codes to print).
ShelterReader = Annotated[
    Principal, Depends(require(_ADMIN, _STAFF, _HQ, shelter_param="shelter_id"))
]
#: The desk of the shelter in the path, staff or its kiosk (S10.7): check-in, forced check-out.
# The kiosk issue adds its card channel here (kinds=(STAFF, KIOSK), bound to its shelter).
ShelterDesk = Annotated[
    Principal,
    Depends(
        require(
            _ADMIN,
            _STAFF,
            shelter_param="shelter_id",
            kinds=(PrincipalKind.STAFF, PrincipalKind.KIOSK),
        )
    ),
]


class SmallBodyRoute(APIRoute):
    """A route that keeps the JSON body limit (`max_request_body_bytes`).

    The runtime's body limit is app-wide and registration raises it for the CSV import (see
    bootstrap). A dependency cannot enforce the small limit: FastAPI parses the JSON body
    before it runs dependencies, so an oversize body that is also malformed would get a 422.
    The check runs before the route's handler instead; the body is already buffered.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            settings: Settings = request.app.state.settings
            if len(await request.body()) > settings.max_request_body_bytes:
                raise ProblemError.for_status(413)
            return await handler(request)

        return limited


async def json_body(content_type: Annotated[str | None, Header()] = None) -> None:
    """A JSON body: 415 for another media type."""
    await require_json(content_type)


async def optional_json_body(
    request: Request, content_type: Annotated[str | None, Header()] = None
) -> None:
    """No body at all, or a JSON body (open / close / delete / forced check-out)."""
    if await request.body():
        await require_json(content_type)


CSV_MEDIA_TYPES = frozenset({"text/csv", "text/plain", "application/vnd.ms-excel"})


async def csv_body(content_type: Annotated[str | None, Header()] = None) -> None:
    """A CSV body (browsers on Windows label .csv files application/vnd.ms-excel)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type not in CSV_MEDIA_TYPES:
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type: send text/csv",
            "データ形式が正しくありません（CSVで送信してください）",
            detail=f"Content-Type was {media_type or 'missing'}",
        )


JsonBody = Depends(json_body)
OptionalJsonBody = Depends(optional_json_body)
CsvBody = Depends(csv_body)


_REFUSALS: dict[type[model.DomainError], tuple[int, str, str, str]] = {
    model.UnknownShelterError: (
        404,
        "unknown-shelter",
        "No shelter has this id",
        "この避難所は登録されていません",
    ),
    model.ShelterAlreadyExistsError: (
        409,
        "shelter-exists",
        "A shelter with this id already exists",
        "この避難所IDはすでに使われています",
    ),
    model.ShelterClosedError: (
        409,
        "shelter-closed",
        "This shelter is not open and does not accept check-ins",
        "この避難所は開設されていないため受付できません",
    ),
    model.ConcurrentUpdateError: (
        409,
        "concurrent-update",
        "The shelter was changed by someone else; reload and try again",
        "他の操作で避難所の情報が変更されました。再読み込みしてからやり直してください",
    ),
    model.UnknownStayError: (
        404,
        "unknown-stay",
        "No stay with this id at this shelter",
        "この避難所に該当する入所記録がありません",
    ),
    model.AlreadyCheckedOutError: (
        409,
        "already-checked-out",
        "This stay is already checked out",
        "すでに退所しています",
    ),
    model.AlreadyCheckedInError: (
        409,
        "already-checked-in",
        "This person is already checked in at this shelter",
        "この方はすでにこの避難所に入所しています",
    ),
    model.ConsentRequiredError: (
        422,
        "consent-required",
        "Consent to the handling of personal data is required",
        "個人情報の取り扱いへの同意が必要です",
    ),
    model.UnknownStatusError: (
        422,
        "unknown-status",
        "A status item is not among those offered",
        "選択できない状態項目が含まれています",
    ),
    model.InvalidMunicipalityCodeError: (
        422,
        "invalid-municipality-code",
        "The local government code is not a valid 6-digit code",
        "全国地方公共団体コードが正しくありません",
    ),
    links.InvalidLinksError: (
        422,
        "invalid-links",
        "A link is not acceptable: http(s) addresses, two labels, at most 20 links",
        "リンクの設定に誤りがあります（http(s)のアドレス、日英の表示名、20件まで）",
    ),
}


def refusal(error: model.DomainError, *, public: bool = False) -> ProblemError:
    """The problem answer of a refused command; extensions name what a client can act on.

    `public`: the anonymous smartphone channel. Whoever knows a name, date of birth and
    address must not learn the stay id of that person's check-in (it would let them check
    the person out), so its already-checked-in answer names no stay: the desk helps instead.
    """
    if isinstance(error, open_data.UnreadableFileError):
        return ProblemError(
            422,
            "unreadable-csv",
            "The file cannot be read as a shelter list",
            "避難所一覧のファイルとして読み取れません",
            detail=error.reason,
            detail_ja=error.reason_ja,
        )
    status_code, slug, title, title_ja = _REFUSALS[type(error)]
    detail: str | None = None
    extensions: dict[str, Any] = {}
    if isinstance(error, model.AlreadyCheckedInError) and error.stay_id is not None and not public:
        extensions["stay_id"] = str(error.stay_id)
    if isinstance(error, links.InvalidLinksError):
        detail = error.reason
    if isinstance(error, model.UnknownStatusError):
        detail = "Not offered: " + ", ".join(error.unknown)
        extensions["unknown_statuses"] = list(error.unknown)
    return ProblemError(status_code, slug, title, title_ja, detail, **extensions)
