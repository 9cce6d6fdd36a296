"""Account actions: register, sign in, passwords, e-mail links and roles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from community import audit
from community.accounts.models import EmailToken, Role, User, UserRole
from community.accounts.passwords import (
    hash_password,
    needs_rehash,
    policy_problems,
    verify_password,
)
from community.db import intent, utcnow
from community.errors import FormErrors
from community.i18n import current_locale, locale_of, ngettext
from community.i18n import gettext as _
from community.runtime import Runtime
from community.tokens import new_token, token_hash

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
RESERVED_USERNAMES = frozenset(
    {"admin", "administrator", "moderator", "kindred", "support", "staff", "system", "root",
     "former-member", "clinician", "doctor", "nurse", "help", "security", "like-me"}
)


class EmailAlreadyRegistered(Exception):
    """Registration with an address that has an account; handled without telling the visitor."""


@dataclass(frozen=True)
class SignInOutcome:
    user: User | None
    locked: bool = False


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def register(
    db: AsyncSession, *, username: str, email: str, password: str, client_address: str = ""
) -> User:
    """Create a patient account; raises FormErrors naming every problem at once."""
    username, email = username.strip(), normalise_email(email)
    errors: dict[str, list[str]] = {}
    if not username:
        errors["username"] = [_("Choose a username.")]
    elif not USERNAME_RE.match(username):
        errors["username"] = [
            _("Use 3 to 32 letters, digits, dots, dashes or underscores, starting with a "
              "letter or digit.")
        ]
    elif username.lower() in RESERVED_USERNAMES or username.lower().startswith("former-member"):
        errors["username"] = [_("This username is reserved; choose another.")]
    if not email:
        errors["email"] = [_("Enter your e-mail address.")]
    elif not EMAIL_RE.match(email) or len(email) > 254:
        errors["email"] = [_("Enter a valid e-mail address, like name@example.org.")]
    if not password:
        errors["password"] = [_("Choose a password.")]
    else:
        problems = policy_problems(password, username=username, email=email)
        if problems:
            errors["password"] = problems
    if errors:
        raise FormErrors(errors)
    # Hash before the first statement: on SQLite that statement takes the write lock,
    # and argon2 must not run while other writers wait for it.
    password_hash = await hash_password(password)
    if await db.scalar(select(User.id).where(User.username_key == username.lower())):
        raise FormErrors({"username": [_("This username is taken; choose another.")]})
    if await db.scalar(select(User.id).where(User.email == email)):
        # Saying so would reveal who is registered; the owner gets an e-mail instead.
        raise EmailAlreadyRegistered(email)
    user = User(
        username=username, username_key=username.lower(), email=email, password_hash=password_hash
    )
    user.roles.append(UserRole(role=Role.PATIENT))
    db.add(user)
    await db.flush()
    await audit.record(db, "account.register", actor_id=user.id, target_type="user",
                       target_id=user.id, detail={"address": client_address})
    return user


async def find_for_sign_in(db: AsyncSession, identifier: str) -> User | None:
    identifier = identifier.strip().lower()
    column = User.email if "@" in identifier else User.username_key
    return await db.scalar(
        select(User).where(column == identifier, User.deleted_at.is_(None))
    )


def _lock_keys(found: User | None, identifier: str, client_address: str) -> tuple[str, str]:
    """The counters a sign-in attempt adds to: its account (by id, whichever of username or
    e-mail was typed; an unknown identifier counts on its own) and its address."""
    account = f"user:{found.id}" if found is not None else identifier.strip().lower()
    return f"signin:account:{account}", f"signin:address:{client_address}"


async def sign_in(
    db: AsyncSession, runtime: Runtime, *, identifier: str, password: str, client_address: str
) -> SignInOutcome:
    """Check credentials under per-account and per-address limits shared by every process.

    The account is looked up and the password checked on a read-only connection before `db`
    issues any statement: on SQLite the request's first statement takes the write lock, and
    argon2 must not run while other sign-ins wait for it.
    """
    settings = runtime.settings
    with intent(write=False):
        async with runtime.sessionmaker() as reader:
            found = await find_for_sign_in(reader, identifier)
    account_key, address_key = _lock_keys(found, identifier, client_address)
    window = timedelta(minutes=settings.login_lockout_minutes)
    subject = identifier.strip().lower()[:64]
    if (
        await runtime.counters.peek(account_key) >= settings.login_max_failures_per_account
        or await runtime.counters.peek(address_key) >= settings.login_max_failures_per_address
    ):
        await audit.record(db, "account.sign_in_locked", actor_id=None,
                           target_type="user" if found else "identifier",
                           target_id=found.id if found else subject,
                           detail={"address": client_address})
        return SignInOutcome(None, locked=True)
    valid = await verify_password(found.password_hash if found else None, password)
    if found is not None and valid and not found.is_active:
        # A suspension whose time is up ends here rather than at moderation's next pass.
        found.is_active = await runtime.extensions.reopen_if_suspension_over(db, found.id)
    if found is None or not valid or not found.is_active:
        await runtime.counters.hit(account_key, window, db=db)
        await runtime.counters.hit(address_key, window, db=db)
        await audit.record(db, "account.sign_in_failed", actor_id=None,
                           target_type="user" if found else "identifier",
                           target_id=found.id if found else subject,
                           detail={"address": client_address})
        return SignInOutcome(None)
    user = await db.get_one(User, found.id)
    await runtime.counters.reset(account_key, db=db)
    if needs_rehash(user.password_hash):
        user.password_hash = await hash_password(password)
    await audit.record(db, "account.sign_in", actor_id=user.id, target_type="user",
                       target_id=user.id, detail={"address": client_address})
    return SignInOutcome(user)


async def change_password(
    db: AsyncSession, runtime: Runtime, user: User, *, current: str, new: str, keep_session: str
) -> None:
    """Re-authenticate, apply the policy, then end every other session.

    `user` may be detached (the signed-in person); it is re-read in `db` only to write,
    after the slow hashing, so SQLite's write lock is not held while argon2 runs.
    """
    if not await verify_password(user.password_hash, current):
        raise FormErrors({"current_password": [_("Your current password is not correct.")]})
    problems = policy_problems(new, username=user.username, email=user.email)
    if problems:
        raise FormErrors({"new_password": problems})
    new_hash = await hash_password(new)
    user = await db.get_one(User, user.id)
    user.password_hash = new_hash
    await audit.record(db, "account.password_changed", actor_id=user.id, target_type="user",
                       target_id=user.id)
    await runtime.sessions.revoke_all(user.id, keep=keep_session, db=db)


async def issue_email_token(
    db: AsyncSession, runtime: Runtime, user: User, purpose: str, lifetime: timedelta
) -> str:
    token = new_token()
    db.add(EmailToken(token_hash=token_hash(token), user_id=user.id, purpose=purpose,
                      email=user.email, expires_at=utcnow() + lifetime))
    await db.flush()
    return token


async def request_password_reset(db: AsyncSession, runtime: Runtime, email: str) -> None:
    """Mail a single-use link when the address has an account; say nothing either way."""
    user = await db.scalar(
        select(User).where(User.email == normalise_email(email), User.deleted_at.is_(None))
    )
    if user is None:
        return
    minutes = runtime.settings.password_reset_minutes
    token = await issue_email_token(db, runtime, user, "reset", timedelta(minutes=minutes))
    link = f"{runtime.settings.base_url}/password-reset/{token}"
    # In the person's own language when they chose one, else the asking browser's.
    with locale_of(user.locale or current_locale()):
        subject = _("Reset your Kindred password")
        body = ngettext(
            "Someone asked to reset the password of your Kindred account %(username)s.\n\n"
            "To choose a new password, open this link within %(minutes)d minute:\n%(link)s\n\n"
            "If it was not you, ignore this message; your password stays as it is.",
            "Someone asked to reset the password of your Kindred account %(username)s.\n\n"
            "To choose a new password, open this link within %(minutes)d minutes:\n%(link)s\n\n"
            "If it was not you, ignore this message; your password stays as it is.",
            minutes,
        ) % {"username": user.username, "minutes": minutes, "link": link}
    await runtime.mailer.send(user.email, subject, body)
    await audit.record(db, "account.password_reset_requested", actor_id=None, target_type="user",
                       target_id=user.id)


async def valid_email_token(db: AsyncSession, token: str, purpose: str) -> EmailToken | None:
    row = await db.scalar(select(EmailToken).where(EmailToken.token_hash == token_hash(token)))
    if row is None or row.purpose != purpose or row.used_at is not None:
        return None
    if row.expires_at <= utcnow():
        return None
    return row


async def reset_password(db: AsyncSession, runtime: Runtime, token: str, new: str) -> User:
    row = await valid_email_token(db, token, "reset")
    if row is None:
        raise FormErrors({"token": [_("This link has expired or was already used. Ask for a new one.")]})
    user = await db.get_one(User, row.user_id)
    problems = policy_problems(new, username=user.username, email=user.email)
    if problems:
        raise FormErrors({"new_password": problems})
    row.used_at = utcnow()
    user.password_hash = await hash_password(new)
    await audit.record(db, "account.password_reset", actor_id=user.id, target_type="user",
                       target_id=user.id)
    await runtime.sessions.revoke_all(user.id, db=db)
    return user


async def send_verification(db: AsyncSession, runtime: Runtime, user: User) -> None:
    token = await issue_email_token(db, runtime, user, "verify", timedelta(days=2))
    link = f"{runtime.settings.base_url}/verify-email/{token}"
    await runtime.mailer.send(
        user.email,
        _("Confirm your e-mail address for Kindred"),
        _("Welcome to Kindred, %(username)s.\n\nConfirm this address by opening:\n%(link)s\n")
        % {"username": user.username, "link": link},
    )


async def verify_email(db: AsyncSession, token: str) -> User | None:
    row = await valid_email_token(db, token, "verify")
    if row is None:
        return None
    user = await db.get_one(User, row.user_id)
    if user.email != row.email:
        return None
    row.used_at = utcnow()
    user.email_verified_at = utcnow()
    await audit.record(db, "account.email_verified", actor_id=user.id, target_type="user",
                       target_id=user.id)
    return user


async def set_role(
    db: AsyncSession, *, actor: User | None, user: User, role: Role, granted: bool
) -> None:
    """Grant or revoke a role; the person's sessions rotate on their next request."""
    has = role in user.role_names
    if has == granted:
        return
    if granted:
        user.roles.append(UserRole(role=role, granted_by_id=actor.id if actor else None))
    else:
        user.roles = [r for r in user.roles if r.role != role]
    user.privilege_version += 1
    await audit.record(
        db, "role.granted" if granted else "role.revoked", actor_id=actor.id if actor else None,
        target_type="user", target_id=user.id, detail={"role": role.value},
    )


async def warn_existing_owner(runtime: Runtime, email: str) -> None:
    await runtime.mailer.send(
        email,
        _("Someone tried to register with your address"),
        _("Someone tried to create a Kindred account with this e-mail address, which already "
          "has one. If it was you, sign in or reset your password at %(link)s.\n"
          "If it was not you, you need do nothing.")
        % {"link": f"{runtime.settings.base_url}/password-reset"},
    )


async def count_users(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(User)) or 0)


async def set_language(db: AsyncSession, user: User, locale: str | None) -> None:
    """The person's language for every page and e-mail; None follows their browser."""
    await db.execute(update(User).where(User.id == user.id).values(locale=locale or ""))
    user.locale = locale or ""
