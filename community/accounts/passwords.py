"""Password hashing (argon2id) and the password policy (NIST SP 800-63B, OWASP ASVS 5).

The common-password list is zxcvbn's `passwords` frequency list: the 30,000 most
frequent passwords of Mark Burnett's ten-million-password corpus, shipped offline
inside the zxcvbn package.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import anyio.to_thread
from argon2 import Parameters, PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from community.i18n import gettext as _

MIN_LENGTH = 12
MAX_LENGTH = 128

# argon2id as RFC 9106 recommends where memory is limited: t=3, m=64 MiB, p=4 (above OWASP's
# floor of m=19 MiB, t=2). Stored hashes carry their parameters; weaker ones are rehashed at
# the next sign-in (`needs_rehash`).
PARAMETERS: Parameters = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)
# Verifying against this keeps unknown-user sign-ins as slow as wrong-password ones.
_DUMMY_HASH = _hasher.hash("kindred-timing-equaliser")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def policy_problems(password: str, *, username: str, email: str) -> list[str]:
    """Everything wrong with a proposed password, in words a person understands."""
    password = normalise(password)
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(n)d characters.") % {"n": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.") % {"n": MAX_LENGTH})
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!") in common_passwords():
        problems.append(_("This password is too common; attackers try it first."))
    elif len(password) >= MIN_LENGTH and _guessable(password):
        problems.append(
            _("This password is easy to guess (repeated or sequential characters, keyboard "
              "patterns). A few unrelated words work well.")
        )
    name = username.strip().lower()
    local_part = email.split("@", 1)[0].strip().lower()
    if name and len(name) >= 3 and name in lowered:
        problems.append(_("Do not include your username in your password."))
    elif local_part and len(local_part) >= 3 and local_part in lowered:
        problems.append(_("Do not include your e-mail address in your password."))
    return problems


def _guessable(password: str) -> bool:
    """Repetitive, sequential or otherwise cheap to guess, by zxcvbn's offline estimate."""
    from zxcvbn import zxcvbn

    if len(set(password.lower())) <= 3:
        return True
    # zxcvbn is slow on very long input and such input is not guessable anyway.
    return bool(zxcvbn(password[:64])["guesses"] < 1e8)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, normalise(password))


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password off the event loop; an unknown user costs the same as a wrong password."""

    def _verify() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY_HASH, normalise(password)) and bool(
                stored_hash
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(_verify)


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)
