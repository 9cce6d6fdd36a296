"""`kindred backup` and `kindred restore`: a consistent copy taken while the site runs.

A backup is a directory:

    manifest.json        format, when, which database, and a SHA-256 of every file below
    database.sqlite3     SQLite: a copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: `pg_dump --format=custom` (one consistent snapshot)
    secret_key           the key that signs sessions and CSRF tokens (mode 0600)
    var/...              everything else under the var directory (research archives, ...)

SQLite's backup API copies the database under one read transaction, so it holds exactly the
transactions committed before it started and none half-done; in WAL mode writers go on
meanwhile. `pg_dump` runs in one repeatable-read transaction with the same guarantee.

Restoring checks the manifest's hashes, refuses a directory that is not empty (or, for
PostgreSQL, a database that has tables), brings the files back, migrates and compares the
schema with the models (`kindred db check`) and walks the audit chain (`kindred audit
verify`); a restore that fails a check says so and exits non-zero.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from community.settings import Settings

BACKUP_FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
SECRET_FILE = "secret_key"  # noqa: S105 - a file name
VAR_FOLDER = "var"
RESTORED_DATABASE = "kindred.db"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal", "-writers")  # -writers: community.sqlite_driver


class BackupError(Exception):
    """A backup or restore that cannot be done (or did not pass its checks)."""


@dataclass(frozen=True)
class Restored:
    database_url: str
    var_dir: Path
    audit_entries: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """A SQLAlchemy PostgreSQL URL as a libpq one, the password moved to PGPASSWORD."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None, query={})
    return plain.render_as_string(hide_password=False), env


def _copy_sqlite(source: Path, target: Path) -> None:
    """SQLite's online backup: one consistent snapshot, writers carry on in WAL mode."""
    if not source.exists():
        raise BackupError(f"there is no database at {source}")
    partial = target.with_suffix(".partial")
    reader = sqlite3.connect(source, timeout=60)
    try:
        copy = sqlite3.connect(partial)
        try:
            reader.backup(copy)
            verdict = copy.execute("PRAGMA integrity_check").fetchone()
            if verdict is None or verdict[0] != "ok":
                raise BackupError(f"the copied database failed its integrity check: {verdict}")
        finally:
            copy.close()
    finally:
        reader.close()
    partial.replace(target)


def _dump_postgres(database_url: str, target: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump is not installed: install the PostgreSQL client tools, or "
                          "back up with pg_dump/WAL archiving as the README describes")
    url, env = _libpq(database_url)
    # A fixed program from PATH; the arguments come from the operator's own settings.
    result = subprocess.run(  # noqa: S603
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}",
         f"--dbname={url}"],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _var_files(settings: Settings, exclude: Path) -> list[Path]:
    """Files under the var directory worth keeping: not the live database, not the key
    (kept on its own), not the backup being written."""
    var_dir = settings.var_dir.resolve()
    if not var_dir.is_dir():
        return []
    database = settings.sqlite_path()
    skipped = {var_dir / SECRET_FILE}
    if database is not None:
        live = database.resolve()
        skipped |= {live, *(Path(f"{live}{suffix}") for suffix in SQLITE_SIDE_FILES)}
    exclude = exclude.resolve()
    files = []
    for path in sorted(var_dir.rglob("*")):
        if not path.is_file() or path in skipped:
            continue
        if path == exclude or exclude in path.parents:
            continue
        files.append(path)
    return files


def take_backup(settings: Settings, destination: Path) -> dict[str, Any]:
    """Write a backup of the configured site into `destination` (new or empty)."""
    if not _is_empty_dir(destination):
        raise BackupError(f"{destination} is not empty: back up into a new directory")
    destination.mkdir(parents=True, exist_ok=True)
    if settings.is_sqlite:
        source = settings.sqlite_path()
        if source is None:
            raise BackupError("an in-memory database cannot be backed up")
        database_file = SQLITE_FILE
        _copy_sqlite(source, destination / SQLITE_FILE)
        kind = "sqlite"
    else:
        database_file = PG_FILE
        _dump_postgres(settings.database_url, destination / PG_FILE)
        kind = "postgresql"
    secret = destination / SECRET_FILE
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(settings.secret_key)
    var_dir = settings.var_dir.resolve()
    for path in _var_files(settings, destination):
        copy = destination / VAR_FOLDER / path.relative_to(var_dir)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    files = {
        str(path.relative_to(destination)): _sha256(path)
        for path in sorted(destination.rglob("*")) if path.is_file()
    }
    manifest = {
        "format": BACKUP_FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": kind,
        "database_file": database_file,
        "files": files,
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def read_manifest(backup: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file it lists is there, unchanged."""
    try:
        manifest: dict[str, Any] = json.loads((backup / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{backup} has no readable {MANIFEST}: is it a Kindred backup?") from exc
    if manifest.get("format") != BACKUP_FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, digest in manifest["files"].items():
        path = backup / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{name} is missing or changed since the backup was taken")
    return manifest


async def _database_is_empty(database_url: str) -> bool:
    from community.db import make_engine

    engine = make_engine(database_url, pool=False)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return not names


def _restore_postgres(dump: Path, database_url: str) -> None:
    pg_restore = shutil.which("pg_restore")
    if pg_restore is None:
        raise BackupError("pg_restore is not installed: install the PostgreSQL client tools")
    if not asyncio.run(_database_is_empty(database_url)):
        raise BackupError("the target database has tables: restore into an empty database")
    url, env = _libpq(database_url)
    result = subprocess.run(  # noqa: S603 - as in _dump_postgres
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={url}",
         str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")


async def _verify_audit(database_url: str) -> Any:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from community import audit
    from community.db import make_engine

    engine = make_engine(database_url, pool=False)
    try:
        async with async_sessionmaker(engine)() as session:
            return await audit.verify(session)
    finally:
        await engine.dispose()


def check_restored(database_url: str) -> int:
    """`kindred db check` and `kindred audit verify` on a restored database; the entries."""
    from community import migrate

    differences = migrate.check(database_url)
    if differences:
        raise BackupError("the restored schema differs from the models: "
                          + "; ".join(str(d) for d in differences))
    result = asyncio.run(_verify_audit(database_url))
    if not result.ok:
        raise BackupError(f"audit log BROKEN after {result.checked} good entries: "
                          f"{result.problem}")
    return int(result.checked)


def restore_backup(backup: Path, target: Path, database_url: str | None = None) -> Restored:
    """Bring a backup back into the empty directory `target` (the new var directory); for
    PostgreSQL into the empty database `database_url`. Checks the result before answering."""
    manifest = read_manifest(backup)
    if not _is_empty_dir(target):
        raise BackupError(f"{target} is not empty: restore into a new directory")
    if manifest["database"] == "postgresql" and not database_url:
        raise BackupError("a PostgreSQL backup needs --database-url of an empty database")
    if manifest["database"] == "sqlite" and database_url:
        raise BackupError("a SQLite backup is restored into the target directory, not a URL")
    target.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        restored = target.resolve() / RESTORED_DATABASE
        shutil.copy2(backup / SQLITE_FILE, restored)
        database_url = f"sqlite+aiosqlite:///{restored}"
    else:
        _restore_postgres(backup / PG_FILE, database_url)
    var = backup / VAR_FOLDER
    if var.is_dir():
        shutil.copytree(var, target, dirs_exist_ok=True)
    secret = target / SECRET_FILE
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write((backup / SECRET_FILE).read_text())
    entries = check_restored(database_url)
    return Restored(database_url=database_url, var_dir=target, audit_entries=entries)
