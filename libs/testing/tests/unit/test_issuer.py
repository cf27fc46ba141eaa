"""The test issuer signs tokens that the production verifier accepts (and only for its app)."""

from __future__ import annotations

import pytest

from shelter_runtime.security import Role, TokenRejectedError
from shelter_testing.tokens import TestIssuer


async def test_tokens_of_the_test_issuer_verify_like_real_ones() -> None:
    issuer = TestIssuer()
    principal = await issuer.verifier("roster").verify(
        issuer.token("shelter_staff", shelters=["13101-0001"])
    )
    assert principal.role is Role.SHELTER_STAFF
    assert principal.may_access_shelter("13101-0001")
    assert not principal.may_access_shelter("13101-0002")


async def test_another_issuers_tokens_are_refused() -> None:
    with pytest.raises(TokenRejectedError):
        await TestIssuer().verifier("roster").verify(TestIssuer().token())


async def test_tokens_for_other_services_are_refused() -> None:
    issuer = TestIssuer()
    with pytest.raises(TokenRejectedError):
        await issuer.verifier("roster").verify(issuer.token(audience=["stats"]))
