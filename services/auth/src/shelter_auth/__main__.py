"""`python -m shelter_auth`: run the auth service."""

from shelter_auth.bootstrap import bootstrap
from shelter_auth.config import Settings
from shelter_runtime.logs import configure_logging
from shelter_runtime.service import serve

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
serve(bootstrap(settings), settings)
