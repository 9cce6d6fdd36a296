"""Password hashing: the parameters production uses, and the rehash of weaker hashes.

The rest of the suite hashes with argon2's cheapest parameters (tests/conftest.py) so that
signing up hundreds of test users stays fast; these tests are where the real ones are held.
"""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher, Type, extract_parameters, profiles

from community.accounts import passwords


def test_production_parameters_are_argon2id_above_the_owasp_floor() -> None:
    chosen = passwords.PARAMETERS
    assert chosen.type is Type.ID
    assert chosen.memory_cost >= 19 * 1024 and chosen.time_cost >= 2
    stored = PasswordHasher.from_parameters(chosen).hash("correct horse battery staple")
    assert extract_parameters(stored) == chosen


def test_a_hash_verifies_only_its_password_and_weaker_hashes_need_rehash() -> None:
    async def scenario() -> None:
        stored = await passwords.hash_password("correct horse battery staple")
        assert await passwords.verify_password(stored, "correct horse battery staple")
        assert not await passwords.verify_password(stored, "correct horse battery stapler")
        # An unknown user (no stored hash) never signs in, whatever the password.
        assert not await passwords.verify_password(None, "kindred-timing-equaliser")

    anyio.run(scenario)
    weak = PasswordHasher.from_parameters(profiles.CHEAPEST).hash("x" * 12)
    strong = PasswordHasher.from_parameters(passwords.PARAMETERS).hash("x" * 12)
    production = PasswordHasher.from_parameters(passwords.PARAMETERS)
    assert production.check_needs_rehash(weak)
    assert not production.check_needs_rehash(strong)
