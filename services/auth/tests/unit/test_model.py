"""Pure rules: the password policy, lock-out counting, password history, account edits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shelter_auth.domain import model
from shelter_auth.domain.model import Account, AccountChanges, CharClass, PasswordPolicy, Role

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _account(**fields: object) -> Account:
    base = Account(
        user_id="staff1",
        display_name="職員",
        role=Role.SHELTER_STAFF,
        password_hash="h0",
        password_changed_at=NOW,
        created_at=NOW,
        shelters=("13101-0001",),
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def test_the_policy_names_what_a_password_lacks_without_echoing_it() -> None:
    policy = PasswordPolicy(
        min_length=12, required_classes=frozenset(CharClass), history=0, max_age_days=None
    )
    assert policy.violations("Aa1!Aa1!Aa1!") == []
    assert policy.violations("abc") == [
        "shorter than 12 characters",
        "needs a digit character",
        "needs a symbol character",
        "needs a uppercase character",
    ]
    assert policy.violations("x" * 300)[0] == "longer than 256 characters"


def test_japanese_characters_count_as_symbols() -> None:
    policy = PasswordPolicy(min_length=4, required_classes=frozenset({CharClass.SYMBOL}))
    assert policy.violations("ひなんじょ") == []


def test_password_age() -> None:
    policy = PasswordPolicy(max_age_days=90)
    assert not policy.password_expired(NOW, NOW + timedelta(days=90))
    assert policy.password_expired(NOW, NOW + timedelta(days=91))
    assert not PasswordPolicy().password_expired(NOW, NOW + timedelta(days=9999))


def test_failures_count_up_to_a_lock_out_that_lapses() -> None:
    policy = PasswordPolicy(lockout_threshold=2, lockout_minutes=10)
    once = _account().sign_in_failed(policy, NOW)
    assert (once.failed_attempts, once.locked_out_until) == (1, None)
    twice = once.sign_in_failed(policy, NOW)
    assert twice.locked_out_until == NOW + timedelta(minutes=10)
    with pytest.raises(model.AccountLockedOutError):
        twice.check_can_sign_in(NOW + timedelta(minutes=9))
    twice.check_can_sign_in(NOW + timedelta(minutes=10))
    after = twice.sign_in_failed(policy, NOW + timedelta(minutes=11))
    assert (after.failed_attempts, after.locked_out_until) == (1, None)


def test_history_keeps_the_last_n_hashes() -> None:
    policy = PasswordPolicy(history=3)
    account = _account()
    for n in range(1, 5):
        account = account.with_password(f"h{n}", policy, NOW)
    assert account.password_hash == "h4"
    assert account.password_history == ("h3", "h2")
    assert account.version == 5


def test_edits_keep_what_is_not_named_and_check_assignments() -> None:
    account = _account(expires_at=NOW)
    kept = account.edited(AccountChanges(display_name="新しい名前"))
    assert (kept.expires_at, kept.shelters, kept.role) == (NOW, account.shelters, account.role)
    assert account.edited(AccountChanges(expires_at=None)).expires_at is None
    with pytest.raises(model.ShelterAssignmentError):
        account.edited(AccountChanges(role=Role.HQ_VIEWER))
    viewer = account.edited(AccountChanges(role=Role.HQ_VIEWER, shelters=()))
    assert viewer.role is Role.HQ_VIEWER and viewer.shelters == ()
    with pytest.raises(model.ShelterAssignmentError):
        account.edited(AccountChanges(shelters=()))


def test_user_ids() -> None:
    assert model.valid_user_id("tanaka.hanako@city")
    assert not model.valid_user_id("ab")
    assert not model.valid_user_id("$where")
    assert not model.valid_user_id("a" * 65)
