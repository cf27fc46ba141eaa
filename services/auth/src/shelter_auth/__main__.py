"""`python -m shelter_auth`: run the auth service; `... create-admin --user-id ID`: see cli."""

import sys

from shelter_auth.bootstrap import bootstrap
from shelter_auth.config import Settings
from shelter_auth.entrypoints import cli
from shelter_runtime.logs import configure_logging
from shelter_runtime.service import serve

if sys.argv[1:2] == ["create-admin"]:
    sys.exit(cli.main(sys.argv[2:]))

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
serve(bootstrap(settings), settings)
