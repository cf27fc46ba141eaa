"""The services' OpenAPI documents the web app's typed clients are generated from (issue 5).

Built in process from each service's bootstrap with settings that connect to nothing, so no
stack is needed and the committed documents cannot drift from the code:

    python deploy/local/openapi_documents.py --write   # then: cd web && npm run api:generate
    python deploy/local/openapi_documents.py --check   # `make lint`: fails when one is stale
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from shelter_auth import bootstrap as auth
from shelter_auth.config import Settings as AuthSettings
from shelter_integration import bootstrap as integration
from shelter_integration.config import Settings as IntegrationSettings
from shelter_registration import bootstrap as registration
from shelter_registration.config import Settings as RegistrationSettings
from shelter_roster import bootstrap as roster
from shelter_roster.config import Settings as RosterSettings
from shelter_runtime.settings import offline_settings
from shelter_stats import bootstrap as stats
from shelter_stats.config import Settings as StatsSettings

DOCUMENTS = Path(__file__).resolve().parents[2] / "web" / "scripts" / "openapi"


#: The services the web apps call, by the name of their document.
APPS: dict[str, Callable[[], FastAPI]] = {
    "registration": lambda: registration.bootstrap(offline_settings(RegistrationSettings)),
    "roster": lambda: roster.bootstrap(offline_settings(RosterSettings)),
    "stats": lambda: stats.bootstrap(offline_settings(StatsSettings)),
    "integration": lambda: integration.bootstrap(offline_settings(IntegrationSettings)),
    "auth": lambda: auth.bootstrap(offline_settings(AuthSettings)),
}


def render(name: str) -> str:
    """The document of one service, as committed: indented JSON and a final newline."""
    return json.dumps(APPS[name]().openapi(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="write web/scripts/openapi/*.json")
    mode.add_argument("--check", action="store_true", help="fail when a committed one is stale")
    args = parser.parse_args(argv)
    stale = []
    for name in APPS:
        path = DOCUMENTS / f"{name}.json"
        text = render(name)
        if args.write:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(DOCUMENTS.parents[2])}")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    for name in stale:
        print(f"web/scripts/openapi/{name}.json is stale: run make api", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
