"""`python -m shelter_integration`: run the integration service."""

from shelter_integration.bootstrap import bootstrap
from shelter_integration.config import Settings
from shelter_runtime.logs import configure_logging
from shelter_runtime.service import serve

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
serve(bootstrap(settings), settings)
