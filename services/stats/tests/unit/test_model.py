"""The pure rules of S14: counting stays, occupancy rate, crowding level, municipality totals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shelter_contracts.events import CrowdingLevel
from shelter_stats.domain.counting import AGE_BANDS, Counts, StayTally, count_stays
from shelter_stats.domain.model import (
    CrowdingThresholds,
    ShelterProfile,
    ShelterStatistics,
    crowding_level,
    municipality_totals,
    occupancy_rate,
)

DEFAULT = CrowdingThresholds()


def stay(
    *,
    left: bool = False,
    household: str = "h1",
    age: int = 70,
    sex: str = "female",
    training: bool = False,
) -> StayTally:
    return StayTally(int(True), int(left), training, household, age, sex)


def test_present_people_are_counted_by_household_age_band_and_sex() -> None:
    counts = count_stays(
        [
            stay(household="h1", age=70, sex="female"),
            stay(household="h1", age=40, sex="male"),
            stay(household="h2", age=5, sex="other"),
            stay(household="h3", age=90, left=True),  # left: counted as checked out only
            stay(household="h4", training=True),  # a drill (訓練): never counted
        ]
    )

    assert counts.present == 3
    assert (counts.checked_in, counts.checked_out) == (4, 1)
    assert counts.households == 2  # h3 left, h4 is training
    assert (counts.female, counts.male, counts.other) == (1, 1, 1)
    assert counts.age_bands == {**dict.fromkeys(AGE_BANDS, 0), "0": 1, "40": 1, "70": 1}


def test_a_check_out_without_its_check_in_is_not_counted() -> None:
    assert count_stays([StayTally(arrived=0, left=1)]) == Counts()


def test_grouped_tallies_count_like_single_stays() -> None:
    grouped = StayTally(3, 1, False, "h1", 30, "male")
    single = [stay(household="h1", age=30, sex="male", left=n == 0) for n in range(3)]

    assert count_stays([grouped]) == count_stays(single)


@pytest.mark.parametrize(("age", "band"), [(0, "0"), (9, "0"), (10, "10"), (89, "80"), (90, "90")])
def test_age_bands_are_decades_with_90_and_over_last(age: int, band: str) -> None:
    assert count_stays([stay(age=age)]).age_bands[band] == 1


tallies = st.lists(
    st.builds(
        StayTally,
        arrived=st.integers(0, 3),
        left=st.integers(0, 3),
        training=st.sampled_from([False, True, None]),
        household_key=st.sampled_from(["h1", "h2", "h3", None]),
        age_band=st.sampled_from([None, 0, 10, 50, 90, 120]),
        sex=st.sampled_from(["female", "male", "other", None, "x"]),
    ),
    max_size=30,
)


@given(tallies)
def test_breakdowns_always_add_up_to_present(rows: list[StayTally]) -> None:
    counts = count_stays(rows)

    assert counts.present == counts.checked_in - counts.checked_out >= 0
    assert sum(counts.age_bands.values()) == counts.present
    assert counts.female + counts.male + counts.other == counts.present
    assert 0 <= counts.households <= counts.present
    assert set(counts.age_bands) == set(AGE_BANDS)
    assert min([counts.checked_out, *counts.age_bands.values()]) >= 0


@pytest.mark.parametrize(
    ("present", "capacity", "rate"),
    [(3, 200, 0.015), (2, 8, 0.25), (1, 3, 0.3333), (2, 3, 0.6667), (5, 4, 1.25), (0, 10, 0.0)],
)
def test_occupancy_rate_is_present_over_capacity(present: int, capacity: int, rate: float) -> None:
    assert occupancy_rate(present, capacity) == rate


@pytest.mark.parametrize("capacity", [None, 0])
def test_rate_and_crowding_are_unknown_without_a_capacity(capacity: int | None) -> None:
    assert occupancy_rate(3, capacity) is None
    assert crowding_level(3, capacity, DEFAULT) is None


@pytest.mark.parametrize(
    ("present", "level"),
    [
        (0, CrowdingLevel.VACANT),
        (49, CrowdingLevel.VACANT),
        (50, CrowdingLevel.MODERATE),
        (79, CrowdingLevel.MODERATE),
        (80, CrowdingLevel.CROWDED),
        (99, CrowdingLevel.CROWDED),
        (100, CrowdingLevel.FULL),
        (130, CrowdingLevel.FULL),
    ],
)
def test_crowding_level_follows_the_thresholds(present: int, level: CrowdingLevel) -> None:
    assert crowding_level(present, 100, DEFAULT) is level


def test_a_rate_just_under_a_threshold_is_not_rounded_over_it() -> None:
    # 19999 / 20000 shows as 1.0 when rounded, but the shelter is not full yet.
    assert occupancy_rate(19999, 20000) == 1.0
    assert crowding_level(19999, 20000, DEFAULT) is CrowdingLevel.CROWDED


def test_thresholds_are_configurable_and_must_be_ordered() -> None:
    strict = CrowdingThresholds(moderate=0.3, crowded=0.6, full=0.9)
    assert crowding_level(9, 10, strict) is CrowdingLevel.FULL
    assert crowding_level(3, 10, strict) is CrowdingLevel.MODERATE
    with pytest.raises(ValueError, match="moderate <= crowded <= full"):
        CrowdingThresholds(moderate=0.9, crowded=0.8, full=1.0)
    with pytest.raises(ValueError, match="moderate <= crowded <= full"):
        CrowdingThresholds(moderate=0, crowded=0.8, full=1.0)


def shelter(
    shelter_id: str,
    present: int,
    *,
    capacity: int = 100,
    is_open: bool = True,
    training: bool = False,
    deleted: bool = False,
) -> ShelterStatistics:
    counts = count_stays([stay(household=f"{shelter_id}-{n}", age=10 * n) for n in range(present)])
    profile = ShelterProfile(
        version=1,
        name=shelter_id,
        capacity=capacity,
        is_open=is_open,
        training=training,
        deleted=deleted,
    )
    return ShelterStatistics(shelter_id, counts, profile)


def test_municipality_totals_add_up_shelters_that_are_not_deleted() -> None:
    totals = municipality_totals(
        [
            shelter("a", 2, capacity=100),
            shelter("b", 1, capacity=50, is_open=False),  # closed: people still counted
            shelter("c", 0, capacity=30, training=True),  # a drill: not open for real
            shelter("d", 5, capacity=999, deleted=True),  # deleted: drops out
            ShelterStatistics("e", count_stays([stay(household="e")])),  # facts not known yet
        ]
    )

    assert (totals.shelters, totals.shelters_open, totals.capacity_open) == (4, 1, 100)
    assert totals.counts.present == 4
    assert totals.counts.households == 4
    assert totals.counts.age_bands["0"] == 2  # a's first and b's first
    assert totals.counts.age_bands["70"] == 1  # e
    assert totals.counts.female == 4
