"""Configuration from the environment, and production refusing unsafe settings."""

from __future__ import annotations

import pytest

from community.settings import Settings, SettingsError


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("KINDRED_SECRET_KEY", raising=False)
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path))
    first = Settings.from_env()
    second = Settings.from_env()
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 40
    assert first.secret_key_generated
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0, "only the owner may read it"


def test_defaults(tmp_path, monkeypatch) -> None:
    for name in ("KINDRED_DATABASE_URL", "KINDRED_REDIS_URL", "KINDRED_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path))
    settings = Settings.from_env()
    assert settings.database_url == "sqlite+aiosqlite:///./var/kindred.db"
    assert settings.redis_url is None and settings.env == "development"


def test_production_refuses_a_generated_secret(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KINDRED_ENV", "production")
    monkeypatch.delenv("KINDRED_SECRET_KEY", raising=False)
    with pytest.raises(SettingsError, match="KINDRED_SECRET_KEY"):
        Settings.from_env()


def test_production_refuses_cookies_without_https(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KINDRED_ENV", "production")
    monkeypatch.setenv("KINDRED_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("KINDRED_SECURE_COOKIES", "false")
    with pytest.raises(SettingsError, match="Secure"):
        Settings.from_env()
    monkeypatch.setenv("KINDRED_SECURE_COOKIES", "true")
    assert Settings.from_env().secure_cookies


def test_bad_environment_values_are_explained(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KINDRED_ENV", "staging")
    with pytest.raises(SettingsError, match="development"):
        Settings.from_env()
    monkeypatch.setenv("KINDRED_ENV", "development")
    monkeypatch.setenv("KINDRED_SESSION_IDLE_MINUTES", "soon")
    with pytest.raises(SettingsError, match="whole number"):
        Settings.from_env()


def test_production_cli_refuses_to_start(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from community.cli import main

    monkeypatch.setenv("KINDRED_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("KINDRED_ENV", "production")
    monkeypatch.delenv("KINDRED_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code != 0 and "KINDRED_SECRET_KEY" in result.output
