"""The `kindred` command: the one entry point for serving and operating Kindred."""

from __future__ import annotations

import asyncio
import getpass
import inspect
import io
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import text

from community.settings import Settings, SettingsError


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _in_transaction(settings: Settings, work: Any) -> Any:
    """Run `await work(session)` in one write transaction against the configured database."""
    from community.app import load_all_models
    from community.db import intent
    from community.runtime import Runtime

    load_all_models()

    async def _run() -> Any:
        runtime = Runtime.build(settings)
        try:
            with intent(write=True):
                async with runtime.sessionmaker() as session, session.begin():
                    return await work(session)
        finally:
            await runtime.close()

    return asyncio.run(_run())


def _prepare_var(settings: Settings) -> None:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.sqlite_path()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


@click.group()
def main() -> None:
    """Kindred: a patient peer community with patient-reported outcomes."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the site with granian."""
    from granian import Granian
    from granian.constants import Interfaces

    settings = _settings()
    _prepare_var(settings)
    Granian(
        target="community.app:create_app",
        factory=True,
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        log_access=False,
    ).serve()


@main.group()
def db() -> None:
    """Schema migrations."""


@db.command("upgrade")
@click.option("--revision", default="heads", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations."""
    from community import migrate
    from community.app import seed_reference_data

    settings = _settings()
    _prepare_var(settings)
    migrate.upgrade(settings.database_url, revision)
    click.echo("database is up to date")
    if revision == "heads":
        click.echo(_in_transaction(settings, seed_reference_data))


@db.command("downgrade")
@click.option("--revision", default="base", show_default=True)
def db_downgrade(revision: str) -> None:
    """Revert migrations (down to the empty schema by default)."""
    from community import migrate

    migrate.downgrade(_settings().database_url, revision)
    click.echo(f"database downgraded to {revision}")


@db.command("check")
@click.option("--database-url", default=None, help="Check this database instead of a scratch one.")
def db_check(database_url: str | None) -> None:
    """Fail when the models and the migrations disagree."""
    from community import migrate

    differences = migrate.check(database_url)
    if differences:
        for difference in differences:
            click.echo(f"  {difference}", err=True)
        raise click.ClickException("the models differ from the migrations: add a migration")
    click.echo("models and migrations agree")


@main.command("create-admin")
@click.option("--username", prompt=True)
@click.option("--email", prompt=True)
@click.option("--password", default=None, help="Read from the terminal when omitted.")
def create_admin(username: str, email: str, password: str | None) -> None:
    """Create an administrator account."""
    from community.accounts.models import Role
    from community.accounts.services import FormErrors, register, set_role
    from community.app import load_all_models
    from community.runtime import Runtime

    if password is None:
        password = getpass.getpass("Password: ")
    settings = _settings()
    load_all_models()

    async def _run() -> None:
        runtime = Runtime.build(settings)
        try:
            async with runtime.sessionmaker() as session, session.begin():
                user = await register(session, username=username, email=email, password=password)
                await set_role(session, actor=None, user=user, role=Role.ADMIN, granted=True)
        finally:
            await runtime.close()

    try:
        asyncio.run(_run())
    except FormErrors as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                click.echo(f"{field}: {message}", err=True)
        raise click.ClickException("the administrator was not created") from exc
    click.echo(f"administrator {username} created")


@main.group()
def catalog() -> None:
    """The curated vocabularies."""


@catalog.command("load")
def catalog_load() -> None:
    """Load or update conditions, treatments, symptoms and side effects from the data files."""
    from outcomes.catalog.services import load_catalog

    click.echo(_in_transaction(_settings(), load_catalog))


@main.group()
def reports() -> None:
    """Treatment and condition report summaries."""


@reports.command("rebuild")
def reports_rebuild() -> None:
    """Recompute every report summary from the raw evaluations, courses and symptoms."""
    from outcomes.reports.summaries import rebuild_summaries
    from outcomes.tracking.services import rebuild_symptom_summaries

    async def _rebuild(session: Any) -> str:
        pairs = await rebuild_summaries(session)
        await rebuild_symptom_summaries(session)
        return f"summaries rebuilt ({pairs} patient-treatment pairs)"

    click.echo(_in_transaction(_settings(), _rebuild))


@main.group()
def research() -> None:
    """Research exports."""


@research.command("snapshot")
def research_snapshot() -> None:
    """Take a new data snapshot for research releases."""
    from outcomes.research.services import take_snapshot

    async def _take(session: Any) -> str:
        snapshot = await take_snapshot(session)
        await session.flush()
        return f"snapshot {snapshot.id} taken at {snapshot.taken_at:%Y-%m-%d %H:%M} UTC"

    click.echo(_in_transaction(_settings(), _take))


@research.command("run-jobs")
@click.option("--loop", is_flag=True,
              help="Keep running: the research worker as its own process (production).")
def research_run_jobs(loop: bool) -> None:
    """Run every pending export job once, or keep running them with --loop."""
    from community.app import load_all_models
    from community.runtime import Runtime
    from outcomes.research.worker import purge_expired, run_pending_jobs, serve_worker

    settings = _settings()
    load_all_models()

    async def _run() -> str:
        runtime = Runtime.build(settings)
        try:
            if loop:
                await serve_worker(runtime)
                return "research worker stopped"
            done = await run_pending_jobs(runtime)
            purged = await purge_expired(runtime)
            return f"{done} export jobs run, {purged} expired archives removed"
        finally:
            await runtime.close()

    click.echo(asyncio.run(_run()))


@main.group()
def notifications() -> None:
    """Notification e-mail."""


@notifications.command("send")
@click.option("--at", "moment", default=None,
              help="Act as if it were this ISO time (UTC), e.g. to send yesterday's digests.")
def notifications_send(moment: str | None) -> None:
    """One pass of the e-mail job (the app runs it every few minutes; safe to run anytime:
    each digest period is sent once)."""
    from datetime import UTC, datetime

    from community.app import load_all_models
    from community.notifications.digest import send_due
    from community.runtime import Runtime

    settings = _settings()
    load_all_models()
    at = datetime.fromisoformat(moment).replace(tzinfo=UTC) if moment else None

    async def _run() -> str:
        runtime = Runtime.build(settings)
        try:
            return f"{await send_due(runtime, at)} notification e-mails sent"
        finally:
            await runtime.close()

    click.echo(asyncio.run(_run()))


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit 1 when any entry was changed, removed or reordered."""
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from community import audit as audit_log
    from community.app import load_all_models
    from community.db import make_engine

    settings = _settings()
    load_all_models()

    async def _run() -> Any:
        engine = make_engine(settings.database_url, pool=False)
        try:
            async with async_sessionmaker(engine)() as session:
                return await audit_log.verify(session)
        finally:
            await engine.dispose()

    result = asyncio.run(_run())
    if not result.ok:
        click.echo(f"audit log BROKEN after {result.checked} good entries: {result.problem}",
                   err=True)
        sys.exit(1)
    click.echo(f"audit log intact: {result.checked} entries")


@main.command()
@click.argument("destination", type=click.Path(path_type=Path))
def backup(destination: Path) -> None:
    """Write a consistent copy of the site (database, secret key, var/ files) while it runs."""
    from community.backup import BackupError, take_backup

    settings = _settings()
    try:
        manifest = take_backup(settings, destination)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backup written to {destination} ({manifest['database']}, "
               f"{len(manifest['files'])} files, {manifest['created_at']})")


@main.command()
@click.argument("backup_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--database-url", default=None,
              help="PostgreSQL backups: the empty database to restore into.")
def restore(backup_dir: Path, target: Path, database_url: str | None) -> None:
    """Bring a backup back into the empty directory TARGET, then run the db and audit checks."""
    from community.app import load_all_models
    from community.backup import BackupError, restore_backup

    load_all_models()
    try:
        restored = restore_backup(backup_dir, target, database_url)
    except BackupError as exc:
        raise click.ClickException(f"restore failed: {exc}") from exc
    click.echo("models and migrations agree")
    click.echo(f"audit log intact: {restored.audit_entries} entries")
    click.echo(f"restored into {restored.var_dir}; serve it with\n"
               f"  KINDRED_VAR_DIR={restored.var_dir} "
               f"KINDRED_DATABASE_URL={restored.database_url} kindred serve")


@main.command()
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), default=None,
              help="Read JSON lines from this file instead of standard input.")
@click.option("--evaluate", is_flag=True,
              help="Lines carry expected labels; print precision, recall and false positives.")
def screen(input_file: Any, evaluate: bool) -> None:
    """Screen JSON lines of text: one verdict per line, in order."""
    from moderation.screening.cli import run_screen

    source = input_file or io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8")
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", write_through=True)
    sys.exit(run_screen(source, out, evaluate=evaluate))


@main.command()
@click.option("--patients", default=3000, show_default=True, type=int)
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--if-empty", is_flag=True, help="Only when the database has no people yet.")
@click.option("--evaluations-per-patient", default=3, show_default=True, type=int,
              help="Treatment evaluations per patient (10 with 100,000 patients gives 1M).")
@click.option("--posts-per-patient", default=None, type=float,
              help="Community posts per patient (default about 5; 2 with 100,000 patients "
                   "gives about 200,000).")
def demo(patients: int, seed: int, if_empty: bool, evaluations_per_patient: int,
         posts_per_patient: float | None) -> None:
    """Load deterministic synthetic demo data."""
    from community.app import demo_loaders, demo_runtime, finish_demo, load_all_models
    from community.communities import demo as communities_demo
    from community.demo import DEMO_PASSWORD, create_people, is_empty
    from outcomes.treatments import demo as treatments_demo

    settings = _settings()
    if settings.is_production:
        raise click.ClickException("demo data is never loaded in production")
    load_all_models()

    async def _run() -> str:
        runtime = demo_runtime(settings)
        try:
            async with runtime.sessionmaker() as session, session.begin():
                if if_empty and not await is_empty(session):
                    return "database already has people; demo data not loaded"
                people, staff = await create_people(session, patients=patients, seed=seed)
                lines = [f"{len(people)} patients and {len(staff)} staff accounts"]
                for loader in demo_loaders():
                    extra: dict[str, Any] = (
                        {"evaluations_per_patient": evaluations_per_patient}
                        if loader is treatments_demo.load
                        else {"posts_per_patient": posts_per_patient}
                        if loader is communities_demo.load else {})
                    if "runtime" in inspect.signature(loader).parameters:
                        extra["runtime"] = runtime
                    lines.append(await loader(session, people=people, staff=staff, seed=seed,
                                              **extra))
            lines.append(await finish_demo(runtime))
            if runtime.engine.dialect.name == "postgresql":
                # Bulk-loaded tables have no planner statistics until autovacuum gets to them;
                # without them search picks plans hundreds of times slower.
                async with runtime.engine.connect() as connection:
                    await connection.execute(text("ANALYZE"))
            lines.append(f"sign in as admin, moderator, dr_demo, researcher_demo or any patient "
                         f"with the password {DEMO_PASSWORD!r}")
            return "\n".join(lines)
        finally:
            await runtime.close()

    click.echo(asyncio.run(_run()))
