"""What the page benchmark and the soak share: databases, servers, sign-in, wrk, the machine."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
SECRET_KEY = "bench-secret-key-0123456789abcdef0123456789abcdef"
SESSION_COOKIE = "kindred_session"
CSRF_COOKIE = "csrftoken"
SERVER_START_SECONDS = 60
CALIBRATION_ROUNDS = 4
CALIBRATION_TOLERANCE = 0.08

# ---------------------------------------------------------------------------------------
# Databases


@dataclass
class Backend:
    """One database engine with a Kindred database and a baseline database on it."""

    name: str
    kindred_url: str
    baseline_url: str
    version: str
    drop: Callable[[], None] = field(default=lambda: None, repr=False)


def unused_stem(stem: Path) -> Path:
    """`stem`, or `stem-2`, `stem-3`, ... : the first whose .md and .json are both free, so a
    second run on the same day never overwrites the first one's figures."""
    candidate, number = stem, 1
    while candidate.with_suffix(".md").exists() or candidate.with_suffix(".json").exists():
        number += 1
        candidate = stem.with_name(f"{stem.name}-{number}")
    return candidate


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def postgres_url() -> str | None:
    """KINDRED_BENCH_POSTGRES_URL, else the local server on 127.0.0.1:5432 when it answers.
    Over the local Unix socket: `postgresql+asyncpg://postgres@/postgres?host=/var/run/postgresql`
    (every app of the run then uses it: Kindred, both Fortunes and Spirit)."""
    configured = os.environ.get("KINDRED_BENCH_POSTGRES_URL", "")
    if configured:
        return configured
    return DEFAULT_POSTGRES_URL if port_open("127.0.0.1", 5432) else None


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, database: str) -> str:
    """`url` naming `database` instead, its query (a Unix socket's `host=`) kept."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


async def _pg_execute(url: str, *statements: str) -> list[Any]:
    import asyncpg

    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        return [await connection.fetchval(statement) for statement in statements]
    finally:
        await connection.close()


def sqlite_backend(workdir: Path) -> Backend:
    return Backend(
        name="sqlite",
        kindred_url=f"sqlite+aiosqlite:///{workdir / 'kindred.db'}",
        baseline_url=f"sqlite+aiosqlite:///{workdir / 'baseline.db'}",
        version=sqlite3.sqlite_version,
    )


def postgres_backend(admin_url: str, prefix: str = "kindred_bench") -> Backend:
    """Fresh databases <prefix> and <prefix>_fortunes, dropped by `drop()`."""
    names = (prefix, f"{prefix}_fortunes")
    drops = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names]
    asyncio.run(_pg_execute(admin_url, *drops, *(f'CREATE DATABASE "{n}"' for n in names)))
    (version,) = asyncio.run(_pg_execute(admin_url, "SELECT current_setting('server_version')"))

    def drop() -> None:
        with suppress(Exception):
            asyncio.run(_pg_execute(admin_url, *drops))

    return Backend(
        name="postgresql",
        kindred_url=_with_database(admin_url, names[0]),
        baseline_url=_with_database(admin_url, names[1]),
        version=str(version),
        drop=drop,
    )


def kindred_env(database_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "KINDRED_DATABASE_URL": database_url,
        "KINDRED_VAR_DIR": str(var_dir),
        "KINDRED_SECRET_KEY": SECRET_KEY,
        "KINDRED_ENV": "development",
        # One client address sends every request: raise the per-address and per-account
        # budgets so nothing is refused. The counters are still written on every view,
        # so their cost stays in the figures.
        "KINDRED_ANONYMOUS_REQUESTS_PER_MINUTE": "1000000000",
        "KINDRED_VIEWS_PER_WINDOW": "1000000000",
    }
    env.pop("KINDRED_REDIS_URL", None)
    return env


def kindred_command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from community.cli import main; main()", *args]


@dataclass
class Prepared:
    schema: str
    demo: str
    seconds: float


def complete_schema(database_url: str) -> list[str]:
    """Create the tables the models have and the database lacks; return their names.

    While people work, migrations may lag behind the models (or fail): the benchmark
    then still measures every page, and the report names what was filled in this way.
    """
    from sqlalchemy import func, insert, inspect, select

    from community.app import load_all_models
    from community.audit import AuditHead
    from community.db import make_engine

    metadata = load_all_models()

    async def run() -> list[str]:
        engine = make_engine(database_url, pool=False)
        try:
            async with engine.begin() as connection:
                present = set(await connection.run_sync(
                    lambda sync: inspect(sync).get_table_names()))
                missing = [t.name for t in metadata.sorted_tables if t.name not in present]
                await connection.run_sync(metadata.create_all)
                if not await connection.scalar(select(func.count()).select_from(AuditHead)):
                    await connection.execute(
                        insert(AuditHead).values(id=1, seq=0, hash="0" * 64))
            return missing
        finally:
            await engine.dispose()

    return asyncio.run(run())


def prepare_kindred(env: dict[str, str], patients: int, seed: int) -> Prepared:
    """`kindred db upgrade`, the tables migrations lack (reported), then `kindred demo`."""
    started = time.monotonic()
    upgrade = subprocess.run(kindred_command("db", "upgrade"), env=env, cwd=ROOT,
                             capture_output=True, text=True, timeout=600, check=False)
    schema = "migrations (kindred db upgrade)"
    if upgrade.returncode != 0:
        last = " ".join((upgrade.stderr or upgrade.stdout).strip().splitlines()[-1:])
        schema = f"models (create_all): `kindred db upgrade` failed: {last}"
    missing = complete_schema(env["KINDRED_DATABASE_URL"])
    if missing and upgrade.returncode == 0:
        schema += (f"; {len(missing)} tables the migrations lack were created from the models: "
                   + ", ".join(missing))
    if missing or upgrade.returncode != 0:
        print(f"[bench] WARNING: schema from {schema}", file=sys.stderr)
    demo = subprocess.run(
        kindred_command("demo", "--patients", str(patients), "--seed", str(seed)),
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False,
    )
    if demo.returncode != 0:
        raise RuntimeError(f"kindred demo failed:\n{demo.stdout}\n{demo.stderr}")
    return Prepared(schema, demo.stdout.strip(), time.monotonic() - started)


def prepare_baseline(database_url: str) -> None:
    from bench.baseline.app import setup_database

    asyncio.run(setup_database(database_url))


# ---------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _tracebacks(self) -> list[str]:
        """Each logged error once: a chained cause is part of the error that follows it."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        chunks = text.split("Traceback (most recent call last):")[1:]
        chained = ("direct cause of the following exception:",
                   "another exception occurred:")
        return [chunk for chunk in chunks if not chunk.rstrip().endswith(chained)]

    def errors_logged(self) -> int:
        """Errors the server logged (each a failed request or a failed background write)."""
        return len(self._tracebacks())

    def error_summary(self, limit: int = 10) -> list[dict[str, Any]]:
        """Distinct logged errors: the project's innermost frames, the exception, how often."""
        counts: dict[tuple[str, str], int] = {}
        for chunk in self._tracebacks():
            lines = chunk.splitlines()
            frames = [f"{Path(m[1]).relative_to(ROOT)}:{m[2]} {m[3]}" for m in (
                re.match(r'\s*File "([^"]+)", line (\d+), in (\S+)', line) for line in lines
            ) if m and m[1].startswith(str(ROOT)) and "/.venv/" not in m[1]]
            exception = next((line for line in reversed(lines)
                              if re.match(r"^[\w.]+(Error|Exception)\b", line)), "?")
            key = (" <- ".join(reversed(frames[-7:])), exception[:300])
            counts[key] = counts.get(key, 0) + 1
        ranked = sorted(counts.items(), key=lambda item: -item[1])[:limit]
        return [{"count": n, "project_frames": f, "exception": e} for (f, e), n in ranked]

    def worker_pids(self) -> list[int]:
        """The granian worker processes: the children of the main process."""
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)


def error_lines(summaries: list[dict[str, Any]]) -> list[str]:
    """Markdown bullets for Server.error_summary()."""
    return [f"- {e['count']}× `{e['exception']}` at {e['project_frames'] or 'library code'}"
            for e in summaries]


def short_schema(schema: str, limit: int = 240) -> str:
    if len(schema) <= limit:
        return schema
    return schema[:limit].rsplit(",", 1)[0] + ", … (all in the JSON file)"


def children_of(pid: int) -> list[int]:
    children: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            # The command name may hold spaces and parentheses: the ppid follows the last ')'.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(stat.parent.name))
    return sorted(children)


def rss_kib(pid: int) -> int | None:
    with suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


@contextmanager
def serve(name: str, command: list[str], env: dict[str, str], port: int, logdir: Path,
          ready_path: str = "/healthz") -> Iterator[Server]:
    """Start a server in its own process group, wait until ready_path answers, stop it after."""
    log = logdir / f"{name}.log"
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}:\n"
                                   f"{server.log_tail()}")
            with suppress(OSError), urllib.request.urlopen(server.url + ready_path,
                                                           timeout=2) as response:
                if response.status == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} was not ready after {SERVER_START_SECONDS}s:\n"
                                   f"{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        server.stop()


def granian_command(target: str, port: int, workers: int) -> list[str]:
    """Granian as `kindred serve` runs it: ASGI, factory, access log off, defaults otherwise."""
    return [sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), target]


# ---------------------------------------------------------------------------------------
# Signing in


@dataclass(frozen=True)
class Member:
    username: str
    cookie_header: str
    csrf_token: str


def csrf_cookie(base_url: str) -> str:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        client.get("/login")
        token = client.cookies.get(CSRF_COOKIE)
    if not token:
        raise RuntimeError("the site did not set a CSRF cookie on /login")
    return str(token)


def sign_in(base_url: str, usernames: list[str], password: str) -> Member:
    """Sign in through the real form with the first username that works."""
    failures = []
    for username in usernames:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            client.get("/login")
            token = client.cookies.get(CSRF_COOKIE) or ""
            response = client.post("/login", data={
                "identifier": username, "password": password, "next": "/",
                "_csrf_token": token,
            })
            session = client.cookies.get(SESSION_COOKIE)
            if response.status_code == 303 and session:
                # A signed-in person's CSRF token is bound to the new session: read it from
                # a signed-in form (the sign-in form's token no longer counts).
                page = client.get("/account").text
                found = re.search(r'name="_csrf_token" value="([^"]+)"', page)
                token = found.group(1) if found else client.cookies.get(CSRF_COOKIE) or token
                return Member(username, f"{SESSION_COOKIE}={session}; {CSRF_COOKIE}={token}",
                              token)
            failures.append(f"{username}: HTTP {response.status_code}")
    raise RuntimeError("could not sign in: " + "; ".join(failures))


def probe(url: str, *, cookie: str = "", method: str = "GET", body: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, str]:
    """One request, redirects not followed: (status, body)."""
    request_headers = dict(headers or {})
    if cookie:
        request_headers["Cookie"] = cookie
    with httpx.Client(timeout=30, follow_redirects=False) as client:
        response = client.request(method, url, content=body, headers=request_headers)
    return response.status_code, response.text


# ---------------------------------------------------------------------------------------
# wrk

# wrk prints its own summary; this done() adds exact figures in microseconds as one line.
WRK_DONE = r"""
function done(summary, latency, requests)
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
    '"mean_us": %.1f, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
  if bench_extra_done then bench_extra_done() end
end
"""

# wrk's delay() is whole milliseconds; a random rounding keeps the mean interval exact.
WRK_DELAY = """
local delay_ms = %(delay_ms).4f
function delay()
  local whole = math.floor(delay_ms)
  if math.random() < delay_ms - whole then return whole + 1 end
  return whole
end
"""


@dataclass(frozen=True)
class CpuSnapshot:
    busy: float  # seconds of CPU used by anything, all cores
    total: float  # seconds elapsed times cores
    ours: float  # seconds used by the server processes and by finished children (wrk)
    known: bool
    server: float = 0.0  # seconds used by the server processes (and its database's backends)


def _database_pids(database: str) -> list[int]:
    """PostgreSQL backends serving `database` (their process title names it)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with suppress(OSError):
            title = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if title.startswith("postgres: ") and f" {database} " in title:
                pids.append(int(cmdline.parent.name))
    return pids


def _cpu_snapshot(server_pids: list[int] | None, server_database: str | None) -> CpuSnapshot:
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return CpuSnapshot(0, 0, 0, known=False)
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    server = 0.0
    backends = _database_pids(server_database) if server_pids and server_database else []
    for pid in [*(server_pids or []), *backends]:
        with suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            server += (int(stat[11]) + int(stat[12])) / tick
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    ours = server + children.ru_utime + children.ru_stime
    return CpuSnapshot((total - idle) / tick, total / tick, ours, known=server_pids is not None,
                       server=server)


def database_name(database_url: str) -> str | None:
    """The PostgreSQL database a URL names (None for SQLite, which runs in the server)."""
    if not database_url.startswith("postgresql"):
        return None
    from sqlalchemy.engine import make_url

    return make_url(database_url).database


def _foreign_share(before: CpuSnapshot, after: CpuSnapshot) -> float | None:
    elapsed = after.total - before.total
    if not (before.known and after.known) or elapsed <= 0:
        return None
    foreign = (after.busy - before.busy) - (after.ours - before.ours)
    return round(min(1.0, max(0.0, foreign / elapsed)), 3)


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


@dataclass
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    mean_ms: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: int
    timeouts: int
    connections: int
    threads: int
    delay_ms: float | None
    command: str
    load_average: float
    # Share of the machine's CPU time used by processes other than the server and wrk during
    # the run: other people's work on a shared machine, which makes the figures noisier.
    foreign_cpu_share: float | None
    # CPU the server (and, on PostgreSQL, its database backends) spent per answered request:
    # what a page costs, far less moved by other people's work than requests per second.
    server_cpu_ms_per_request: float | None
    raw: str = field(repr=False)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("raw")
        return data


def run_wrk(url: str, *, seconds: float, threads: int, connections: int,
            headers: dict[str, str] | None = None, method: str = "GET", body: str = "",
            delay_ms: float | None = None, rate: float | None = None, extra_lua: str = "",
            workdir: Path, server_pids: list[int] | None = None,
            server_database: str | None = None,
            monitor: Callable[[], None] | None = None, monitor_every: float = 5.0) -> WrkResult:
    """Run wrk once with --latency and return its figures (parsed from its done() line).

    `monitor` is called every `monitor_every` seconds while wrk runs (the soak samples
    memory with it). `server_pids` and `server_database` (PostgreSQL backends) are the
    measured server, for the share of CPU used by everything else.

    With `rate`, wrk2 runs instead at that constant rate (open loop, corrected latency).
    """
    lua = [f"wrk.method = {lua_string(method)}"]
    if body:
        lua.append(f"wrk.body = {lua_string(body)}")
        lua.append('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
    for name, value in (headers or {}).items():
        lua.append(f"wrk.headers[{lua_string(name)}] = {lua_string(value)}")
    if delay_ms is not None and delay_ms > 0:
        lua.append(WRK_DELAY % {"delay_ms": delay_ms})
    lua.append(extra_lua)
    lua.append(WRK_DONE)
    script = workdir / f"wrk-{os.getpid()}-{time.monotonic_ns()}.lua"
    script.write_text("\n".join(lua))
    duration = max(1, round(seconds))
    program = ["wrk2", f"-R{max(1, round(rate))}"] if rate else ["wrk"]
    command = [*program, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
               "--timeout", "10s", "-s", str(script), url]
    before = _cpu_snapshot(server_pids, server_database)
    try:
        stdout, stderr, returncode = _run_monitored(command, duration + 60, monitor,
                                                    monitor_every)
    finally:
        script.unlink(missing_ok=True)
    after = _cpu_snapshot(server_pids, server_database)
    foreign = _foreign_share(before, after)
    if returncode != 0:
        raise RuntimeError(f"wrk failed ({returncode}): {stderr.strip()}")
    match = re.search(r"^BENCH_JSON (\{.*\})$", stdout, flags=re.MULTILINE)
    if not match:
        raise RuntimeError(f"wrk printed no figures:\n{stdout}\n{stderr}")
    figures = json.loads(match.group(1))
    elapsed = figures["duration_us"] / 1e6
    shown = " ".join(part for part in command if part not in {"-s", str(script)})
    return WrkResult(
        requests=figures["requests"],
        seconds=round(elapsed, 3),
        requests_per_second=round(figures["requests"] / elapsed, 1) if elapsed else 0.0,
        mean_ms=round(figures["mean_us"] / 1000, 3),
        p50_ms=round(figures["p50_us"] / 1000, 3),
        p90_ms=round(figures["p90_us"] / 1000, 3),
        p99_ms=round(figures["p99_us"] / 1000, 3),
        max_ms=round(figures["max_us"] / 1000, 3),
        status_errors=figures["status_errors"],
        socket_errors=figures["connect_errors"] + figures["read_errors"]
        + figures["write_errors"],
        timeouts=figures["timeouts"],
        connections=connections,
        threads=threads,
        delay_ms=round(delay_ms, 3) if delay_ms else None,
        command=shown + (f" + Lua delay() {delay_ms:.2f} ms" if delay_ms else ""),
        load_average=round(os.getloadavg()[0], 2),
        foreign_cpu_share=foreign,
        server_cpu_ms_per_request=(
            round((after.server - before.server) / figures["requests"] * 1000, 3)
            if before.known and after.known and figures["requests"] else None),
        raw=stdout,
    )


def _run_monitored(command: list[str], timeout: float, monitor: Callable[[], None] | None,
                   every: float) -> tuple[str, str, int]:
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        deadline = time.monotonic() + timeout
        while True:
            try:
                stdout, stderr = process.communicate(timeout=every if monitor else timeout)
                return stdout, stderr, process.returncode
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    process.kill()
                    raise
                if monitor:
                    monitor()


def run_paced(url: str, *, target_rps: float, seconds: float, calibration_seconds: float,
              threads: int, connections: int, workdir: Path,
              **request: Any) -> tuple[WrkResult, list[WrkResult]]:
    """Hold the load near target_rps: wrk2 -R when installed, else wrk with a calibrated pause.

    wrk2 sends on a fixed schedule and corrects latency for coordinated omission.

    wrk is closed-loop: each connection sends its next request only after the previous
    answer plus the pause, so the rate is connections / (pause + latency). Up to four short
    runs estimate the latency at that load and set the pause; the final run reports what
    rate it actually reached. Latency is measured from each send, not from a fixed schedule
    (as wrk2 would): a stall delays the following requests instead of queueing them, so
    this p99 is a lower bound under coordinated omission.
    """
    monitor = request.pop("monitor", None)
    if shutil.which("wrk2"):
        final = run_wrk(url, seconds=seconds, threads=threads, connections=connections,
                        rate=target_rps, workdir=workdir, monitor=monitor, **request)
        return final, []
    pause, calibrations = calibrate_pause(url, target_rps=target_rps,
                                          calibration_seconds=calibration_seconds,
                                          threads=threads, connections=connections,
                                          workdir=workdir, **request)
    final = run_wrk(url, seconds=seconds, threads=threads, connections=connections,
                    delay_ms=pause, workdir=workdir, monitor=monitor, **request)
    return final, calibrations


def calibrate_pause(url: str, *, target_rps: float, calibration_seconds: float, threads: int,
                    connections: int, workdir: Path,
                    **request: Any) -> tuple[float, list[WrkResult]]:
    """The per-connection pause (ms) that holds wrk near target_rps, from short trial runs."""
    interval_ms = connections * 1000 / target_rps
    pause = interval_ms
    calibrations = []
    for _ in range(CALIBRATION_ROUNDS):
        trial = run_wrk(url, seconds=calibration_seconds, threads=threads,
                        connections=connections, delay_ms=pause, workdir=workdir, **request)
        calibrations.append(trial)
        if trial.requests_per_second <= 0:
            break
        # Each connection's cycle is pause + latency; move the pause by the cycle's error.
        pause = max(0.0, pause + interval_ms - connections * 1000 / trial.requests_per_second)
        if abs(trial.requests_per_second / target_rps - 1) <= CALIBRATION_TOLERANCE:
            break
    return pause, calibrations


# ---------------------------------------------------------------------------------------
# The machine


def _cpu_model() -> str:
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    with suppress(OSError, ValueError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    return None


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _command_output(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=10,
                                   check=False, cwd=ROOT)
    except OSError:
        return "unavailable"
    text = (completed.stdout or completed.stderr).strip()
    return text.splitlines()[0] if text else "unavailable"


def machine(postgres_version: str | None) -> dict[str, Any]:
    """Everything needed to judge whether two result files are comparable."""
    load1, load5, _ = os.getloadavg()
    return {
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cpu_cores": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gib": _memory_gib(),
        "load_average_at_start": [round(load1, 2), round(load5, 2)],
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not used in this run",
        "wrk": _command_output(["wrk", "-v"]),
        "wrk2": _command_output(["wrk2", "-v"]) if shutil.which("wrk2")
        else "not installed: half-peak latency uses wrk with a calibrated pause instead",
        "granian": _version("granian"),
        "litestar": _version("litestar"),
        "sqlalchemy": _version("sqlalchemy"),
        "kindred_commit": _command_output(["git", "rev-parse", "--short", "HEAD"]),
    }
