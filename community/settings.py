"""Typed settings, read from KINDRED_* environment variables once."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/kindred.db"


DEFAULT_MODERATION_TARGETS = {"urgent": 15, "crisis_check": 60}
# Research tables list every period from here (see outcomes.research.tables.Periods).
DEFAULT_RESEARCH_SINCE = date(2020, 1, 1)


class SettingsError(RuntimeError):
    """The configuration cannot run safely."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    redis_prefix: str = "kindred"
    secret_key: str = ""
    secret_key_generated: bool = False
    env: str = "development"
    var_dir: Path = Path("var")
    smtp_url: str | None = None
    mail_from: str = "Kindred <no-reply@kindred.local>"
    base_url: str = "http://127.0.0.1:8000"
    secure_cookies: bool = False
    session_idle_minutes: int = 60 * 12
    session_absolute_hours: int = 24 * 14
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_minutes: int = 15
    password_reset_minutes: int = 30
    views_per_window: int = 300
    views_window_seconds: int = 600
    anonymous_requests_per_minute: int = 120
    fewer_than: int = 5
    premoderate_first_posts: int = 3
    moderation_response_minutes: int = 60 * 24
    # Per review reason, overriding the general target above (crisis: 15 minutes).
    moderation_target_minutes: dict[str, int] = field(
        default_factory=lambda: dict(DEFAULT_MODERATION_TARGETS))
    # The first day research tables count periods from (the platform's launch); earlier
    # events are counted together, before it.
    research_since: date = DEFAULT_RESEARCH_SINCE
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls) -> Settings:
        """Read the environment; generate and keep a secret key in var/ when none is given."""
        var_dir = Path(os.environ.get("KINDRED_VAR_DIR", "var"))
        env = os.environ.get("KINDRED_ENV", "development")
        if env not in {"development", "production"}:
            raise SettingsError("KINDRED_ENV must be 'development' or 'production'")
        secret = os.environ.get("KINDRED_SECRET_KEY", "")
        generated = False
        if not secret:
            secret = _stored_secret(var_dir)
            generated = True
        settings = cls(
            database_url=os.environ.get("KINDRED_DATABASE_URL", DEFAULT_DATABASE_URL),
            redis_url=os.environ.get("KINDRED_REDIS_URL") or None,
            redis_prefix=os.environ.get("KINDRED_REDIS_PREFIX", cls.redis_prefix),
            secret_key=secret,
            secret_key_generated=generated,
            env=env,
            var_dir=var_dir,
            smtp_url=os.environ.get("KINDRED_SMTP_URL") or None,
            mail_from=os.environ.get("KINDRED_MAIL_FROM", cls.mail_from),
            base_url=os.environ.get("KINDRED_BASE_URL", cls.base_url).rstrip("/"),
            secure_cookies=_bool(os.environ.get("KINDRED_SECURE_COOKIES"), env == "production"),
            session_idle_minutes=_int("KINDRED_SESSION_IDLE_MINUTES", cls.session_idle_minutes),
            session_absolute_hours=_int(
                "KINDRED_SESSION_ABSOLUTE_HOURS", cls.session_absolute_hours
            ),
            views_per_window=_int("KINDRED_VIEWS_PER_WINDOW", cls.views_per_window),
            views_window_seconds=_int("KINDRED_VIEWS_WINDOW_SECONDS", cls.views_window_seconds),
            anonymous_requests_per_minute=_int(
                "KINDRED_ANONYMOUS_REQUESTS_PER_MINUTE", cls.anonymous_requests_per_minute
            ),
            fewer_than=_int("KINDRED_FEWER_THAN", cls.fewer_than),
            premoderate_first_posts=_int(
                "KINDRED_PREMODERATE_FIRST_POSTS", cls.premoderate_first_posts
            ),
            moderation_response_minutes=_int(
                "KINDRED_MODERATION_RESPONSE_MINUTES", cls.moderation_response_minutes
            ),
            moderation_target_minutes=_targets(os.environ.get("KINDRED_MODERATION_TARGETS", "")),
            research_since=_date("KINDRED_RESEARCH_SINCE", DEFAULT_RESEARCH_SINCE),
            extra={"research_worker": os.environ.get("KINDRED_RESEARCH_WORKER", "on"),
                   "outbox_runner": os.environ.get("KINDRED_OUTBOX_RUNNER", "on")},
        )
        settings.check()
        return settings

    @property
    def runs_research_worker(self) -> bool:
        return self.extra.get("research_worker", "on") != "off"

    @property
    def runs_outbox_runner(self) -> bool:
        """Whether this process's background runner delivers notifications left in the
        outbox (`community.communities.outbox`; on unless KINDRED_OUTBOX_RUNNER=off)."""
        return self.extra.get("outbox_runner", "on") != "off"

    def check(self) -> None:
        """Refuse configurations that are unsafe in production."""
        if not self.is_production:
            return
        if self.secret_key_generated:
            raise SettingsError("production needs KINDRED_SECRET_KEY set; refusing a generated one")
        if len(self.secret_key) < 32:
            raise SettingsError("KINDRED_SECRET_KEY must be at least 32 characters")
        if not self.secure_cookies:
            raise SettingsError("production refuses to start without HTTPS-only (Secure) cookies")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        path = self.database_url.split(":///", 1)[1]
        return None if path in {"", ":memory:"} else Path(path)


def _date(name: str, default: date) -> date:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a date like 2020-01-01, not {raw!r}") from exc


def _targets(raw: str) -> dict[str, int]:
    """'urgent=15,identifying=240' over the defaults: minutes per review reason."""
    targets = dict(DEFAULT_MODERATION_TARGETS)
    for part in filter(None, (p.strip() for p in raw.split(","))):
        reason, _sep, minutes = part.partition("=")
        if not reason.strip() or not minutes.strip().isdigit():
            raise SettingsError(
                f"KINDRED_MODERATION_TARGETS takes reason=minutes pairs, not {part!r}")
        targets[reason.strip()] = int(minutes)
    return targets


def _stored_secret(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
