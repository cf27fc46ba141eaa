"""`python -m shelter_stats`: run the stats service."""

from shelter_runtime.logs import configure_logging
from shelter_runtime.service import serve
from shelter_stats.bootstrap import bootstrap
from shelter_stats.config import Settings

settings = Settings()
configure_logging(settings.service_name, settings.log_level)
serve(bootstrap(settings), settings)
