"""The long-lived parts every request may use, built once per process by the app factory."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from community.accounts.sessions import DatabaseSessionStore, RedisSessionStore, SessionStore
from community.cache import LRUCache, SingleFlight
from community.db import close_kept_read_connections, make_engine
from community.extensions import ExtensionError, Extensions, check_extensions
from community.mail import Mailer
from community.screening import NoReviewSink, PassThroughScreener, ReviewSink, Screener
from community.settings import Settings
from community.throttle import BufferedCounters, Counters, DatabaseCounters, RedisCounters

FRAGMENT_CACHE_SIZE = 8192


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    sessions: SessionStore
    counters: Counters
    # Page views and anonymous requests: one hit per read, so never a write per read.
    traffic: Counters
    mailer: Mailer
    screener: Screener
    review_sink: ReviewSink = field(default_factory=NoReviewSink)
    redis: Redis | None = None
    # Rendered fragments keyed by database versions (see community.cache).
    fragments: LRUCache = field(default_factory=lambda: LRUCache(FRAGMENT_CACHE_SIZE))
    # Expensive values built once per key however many requests miss them at once.
    builds: SingleFlight = field(default_factory=SingleFlight)
    installed_extensions: Extensions | None = None

    @classmethod
    def build(cls, settings: Settings, screener: Screener | None = None) -> Runtime:
        engine = make_engine(settings.database_url)
        sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        sessions: SessionStore
        counters: Counters
        traffic: Counters
        if redis is not None:
            prefix = settings.redis_prefix
            sessions = RedisSessionStore(redis, prefix)
            counters = traffic = RedisCounters(redis, prefix)
        else:
            sessions, counters = DatabaseSessionStore(sessionmaker), DatabaseCounters(sessionmaker)
            traffic = BufferedCounters(make_engine(settings.database_url))
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=sessionmaker,
            sessions=sessions,
            counters=counters,
            traffic=traffic,
            mailer=Mailer(settings),
            screener=screener or PassThroughScreener(),
            redis=redis,
        )

    @property
    def extensions(self) -> Extensions:
        """The hooks installed by the app factory; without them every caller refuses."""
        if self.installed_extensions is None:
            raise ExtensionError("no extensions installed: the app factory installs them")
        return self.installed_extensions

    def install(self, extensions: Extensions) -> None:
        """Check every hook, then make them the runtime's (raises ExtensionError)."""
        check_extensions(extensions)
        self.installed_extensions = extensions

    async def close(self) -> None:
        if isinstance(self.traffic, BufferedCounters):
            await self.traffic.close()
        if self.redis is not None:
            await self.redis.aclose()
        await close_kept_read_connections(self.engine)
        await self.engine.dispose()
