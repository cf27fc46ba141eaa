"""ShelterCounts: present and occupancy rate (収容率)."""

from __future__ import annotations

import pytest

from shelter_stats.domain.model import ShelterCounts


def counts(checked_in: int, checked_out: int, capacity: int | None) -> ShelterCounts:
    return ShelterCounts(
        shelter_id="13101-0001", capacity=capacity, checked_in=checked_in, checked_out=checked_out
    )


@pytest.mark.parametrize(
    ("checked_in", "checked_out", "present"), [(0, 0, 0), (5, 0, 5), (5, 2, 3), (4, 4, 0)]
)
def test_present_is_checked_in_minus_checked_out(
    checked_in: int, checked_out: int, present: int
) -> None:
    assert counts(checked_in, checked_out, capacity=10).present == present


@pytest.mark.parametrize(
    ("checked_in", "checked_out", "capacity", "rate"),
    [
        (3, 0, 200, 0.015),
        (3, 1, 8, 0.25),
        (1, 0, 3, 0.3333),  # rounded to four decimals
        (2, 0, 3, 0.6667),
        (5, 0, 4, 1.25),  # an overfull shelter shows above 1
        (2, 2, 10, 0.0),  # known capacity, nobody present: zero, not unknown
    ],
)
def test_occupancy_rate_is_present_over_capacity(
    checked_in: int, checked_out: int, capacity: int, rate: float
) -> None:
    assert counts(checked_in, checked_out, capacity).occupancy_rate == rate


@pytest.mark.parametrize("capacity", [None, 0])
def test_occupancy_rate_is_unknown_without_a_capacity(capacity: int | None) -> None:
    assert counts(3, 1, capacity).occupancy_rate is None
