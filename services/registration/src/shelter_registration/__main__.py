"""`python -m shelter_registration`: run the registration service."""

from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_runtime.logs import configure_logging
from shelter_runtime.service import serve

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
serve(bootstrap(settings), settings)
