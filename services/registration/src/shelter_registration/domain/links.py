"""Links to other disaster pages on the staff home page (S10.9, S15).

An administrator configures them (the prefecture's disaster page, the JMA キキクル risk map);
every staff member sees them. Only http(s) addresses: a `javascript:` or `data:` link on the
home page would run in the staff's session.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from shelter_registration.domain.model import DomainError

MAX_LINKS = 20
MAX_URL_LENGTH = 2000
MAX_LABEL_LENGTH = 80
SCHEMES = frozenset({"https", "http"})


@dataclass(frozen=True, slots=True)
class DisasterLink:
    """One link of the home page, labelled in Japanese and English."""

    url: str
    label_ja: str
    label_en: str


class InvalidLinksError(DomainError):
    """The links break a rule; `reason` says which (safe to show: no personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def checked_links(links: tuple[DisasterLink, ...]) -> tuple[DisasterLink, ...]:
    """The links if every one is acceptable; labels trimmed, duplicates of a URL refused."""
    if len(links) > MAX_LINKS:
        raise InvalidLinksError(f"At most {MAX_LINKS} links")
    seen: set[str] = set()
    result = []
    for n, link in enumerate(links, start=1):
        url = link.url.strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in SCHEMES or not parts.hostname:
            raise InvalidLinksError(f"Link {n}: only http:// or https:// addresses")
        if len(url) > MAX_URL_LENGTH:
            raise InvalidLinksError(f"Link {n}: the address is too long")
        label_ja, label_en = link.label_ja.strip(), link.label_en.strip()
        if not label_ja or not label_en:
            raise InvalidLinksError(f"Link {n}: a Japanese and an English label are needed")
        if max(len(label_ja), len(label_en)) > MAX_LABEL_LENGTH:
            raise InvalidLinksError(f"Link {n}: labels have at most {MAX_LABEL_LENGTH} characters")
        if url in seen:
            raise InvalidLinksError(f"Link {n}: the same address twice")
        seen.add(url)
        result.append(DisasterLink(url, label_ja, label_en))
    return tuple(result)
