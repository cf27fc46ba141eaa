"""The public search's per-client limit (S16.1 rate limited)."""

from __future__ import annotations

from shelter_roster.domain.rate_limit import RateLimiter


def test_a_client_gets_its_limit_per_window_then_a_wait() -> None:
    limiter = RateLimiter(3, window=60.0)

    assert [limiter.retry_after("a", t) for t in (0.0, 1.0, 2.0)] == [None, None, None]
    assert limiter.retry_after("a", 10.0) == 50  # the oldest hit leaves the window at 60 s
    assert limiter.retry_after("b", 10.0) is None  # another client has its own budget
    assert limiter.retry_after("a", 60.5) is None  # the first hit expired
    assert limiter.retry_after("a", 60.6) == 1


def test_refused_requests_do_not_extend_the_wait() -> None:
    limiter = RateLimiter(1, window=60.0)
    limiter.retry_after("a", 0.0)
    for t in range(1, 59):
        limiter.retry_after("a", float(t))
    assert limiter.retry_after("a", 60.0) is None


def test_memory_is_bounded_under_many_distinct_clients() -> None:
    limiter = RateLimiter(5, window=60.0, max_clients=100)
    for i in range(1000):
        limiter.retry_after(f"client-{i}", 0.0)
    assert len(limiter._hits) <= 100
