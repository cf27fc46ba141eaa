"""Settings of the statistics service: crowding thresholds are configurable and checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shelter_stats.config import Settings
from shelter_stats.domain.history import BUCKET_SECONDS
from shelter_stats.domain.model import CrowdingThresholds


def test_default_thresholds_are_half_four_fifths_and_full() -> None:
    assert Settings().crowding_thresholds == CrowdingThresholds(0.5, 0.8, 1.0)


def test_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROWDING_MODERATE", "0.3")
    monkeypatch.setenv("CROWDING_CROWDED", "0.6")
    monkeypatch.setenv("CROWDING_FULL", "0.9")
    monkeypatch.setenv("OCCUPANCY_INTERVAL_SECONDS", "2.5")

    settings = Settings()

    assert settings.crowding_thresholds == CrowdingThresholds(0.3, 0.6, 0.9)
    assert settings.occupancy_interval_seconds == 2.5


@pytest.mark.parametrize(
    ("moderate", "crowded", "full"), [(0.9, 0.8, 1.0), (0.5, 1.1, 1.0), (0.0, 0.8, 1.0)]
)
def test_thresholds_out_of_order_are_refused_at_start(
    moderate: float, crowded: float, full: float
) -> None:
    with pytest.raises(ValidationError):
        Settings(crowding_moderate=moderate, crowding_crowded=crowded, crowding_full=full)


def test_history_is_written_several_times_per_bucket_and_configurable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A bucket keeps its latest counts: they must be written well before the bucket ends.
    assert Settings().history_flush_seconds * 5 <= BUCKET_SECONDS
    monkeypatch.setenv("HISTORY_FLUSH_SECONDS", "5")
    monkeypatch.setenv("REFRESH_BATCH_SIZE", "200")

    settings = Settings()

    assert (settings.history_flush_seconds, settings.refresh_batch_size) == (5.0, 200)
