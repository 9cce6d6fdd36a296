"""Readers who miss the same expensive value together wait for one build of it."""

from __future__ import annotations

import asyncio

import pytest

from community.cache import SingleFlight
from community.i18n import locale_of


def test_concurrent_misses_share_one_build_per_key_and_language() -> None:
    builds: list[str] = []

    async def scenario() -> list[str]:
        flight = SingleFlight()

        async def build(name: str) -> str:
            builds.append(name)
            await asyncio.sleep(0.01)
            return f"{name} built"

        async def read(key: str, locale: str = "en") -> str:
            with locale_of(locale):
                return str(await flight.run(key, lambda: build(f"{key}/{locale}")))

        return list(await asyncio.gather(read("a"), read("a"), read("a"), read("b"),
                                         read("a", "ru")))

    assert asyncio.run(scenario()) == ["a/en built"] * 3 + ["b/en built", "a/ru built"]
    assert sorted(builds) == ["a/en", "a/ru", "b/en"]


def test_when_the_build_under_way_fails_a_waiter_builds_its_own() -> None:
    async def scenario() -> tuple[BaseException | str, str]:
        flight = SingleFlight()
        attempts = 0

        async def build() -> str:
            nonlocal attempts
            attempts += 1
            await asyncio.sleep(0.01)
            if attempts == 1:
                raise ValueError("the database went away")
            return "second try"

        first, second = await asyncio.gather(flight.run("k", build), flight.run("k", build),
                                             return_exceptions=True)
        assert isinstance(second, str)
        return first, second

    first, second = asyncio.run(scenario())
    assert isinstance(first, ValueError) and second == "second try"


def test_nothing_is_kept_after_a_build() -> None:
    flight = SingleFlight()
    assert asyncio.run(flight.run("k", lambda: asyncio.sleep(0, result=1))) == 1
    assert asyncio.run(flight.run("k", lambda: asyncio.sleep(0, result=2))) == 2
    with pytest.raises(KeyError):
        asyncio.run(flight.run("k", lambda: _raise()))


async def _raise() -> None:
    raise KeyError("k")
