"""`python -m shelter_roster`: run the roster service."""

from shelter_roster.bootstrap import bootstrap
from shelter_roster.config import Settings
from shelter_runtime.logs import configure_logging
from shelter_runtime.service import serve

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
serve(bootstrap(settings), settings)
