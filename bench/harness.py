"""What the benchmarks share: a server process for the length of a block, a pool of
concurrent HTTP clients, latency figures, and a count read straight from the database.

The benchmarks are scripts run by hand (`.venv/bin/python bench/NAME.py`); they import this
module from their own folder.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ccc.access.auth import create_user
from ccc.access.service import ensure_team
from ccc.console import auth
from ccc.demo import TEAMS
from ccc.kernel.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
AUTH_TOKEN = "b3nchmark0auth0token0not0a0secret"  # noqa: S105 (a throwaway for loopback)
PASSWORD = "bench password 123"  # noqa: S105 (a throwaway on a scratch database)


@dataclass
class Result:
    name: str
    accepted: int
    refused: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
        return ordered[index] * 1000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A process for the length of the block, its output in a log file; stopped as a service
    manager would, with SIGTERM, then killed if it has not stopped within 10 s."""
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command, env={**os.environ, **env}, cwd=ROOT, stdout=output, stderr=output
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def server(
    command: list[str], env: dict[str, str], port: int, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process for the length of the block, answering `/healthz` before it starts."""
    with running(command, env, log) as process:
        wait_until_up(port, process)
        yield process


def ccc_env(database: str, base: str, redis: str | None = None) -> dict[str, str]:
    """What a bench's CCC reads: its scratch database, its own address, the bench's Twilio
    token (the webhooks it signs are accepted), messages recorded instead of sent, and Redis
    (with a worker) or none (jobs run in the web process)."""
    return {
        "CCC_DATABASE_URL": database,
        "CCC_PUBLIC_URL": base,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "CCC_OUTBOUND": "record",
        "CCC_REDIS_URL": redis or "",
    }


@contextmanager
def serving(env: dict[str, str], port: int, *, worker: bool = False) -> Iterator[str]:
    """`ccc serve` on `port`, and a `ccc worker` started beside it if asked (both boot at
    once, so the worker is ready about when the server answers), for the length of the block;
    the server's base URL. Their logs go to a temporary folder, named on stderr."""
    ccc = str(Path(sys.executable).parent / "ccc")
    folder = Path(tempfile.mkdtemp(prefix="ccc-bench-"))
    print(f"logs of ccc serve and worker: {folder}", file=sys.stderr)
    with ExitStack() as stack:
        web = stack.enter_context(
            running([ccc, "serve", "--port", str(port)], env, folder / "serve.log")
        )
        if worker:
            stack.enter_context(running([ccc, "worker"], env, folder / "worker.log"))
        wait_until_up(port, web)
        yield f"http://127.0.0.1:{port}"


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    # Migrating a fresh database and starting takes over a minute on a machine shared with
    # other work (seen at a load average of 27 on 2 cores).
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not start")


async def pool(
    concurrency: int, client_work: Callable[[httpx.AsyncClient], Awaitable[None]], deadline: float
) -> float:
    """Runs `client_work` in `concurrency` clients sharing one connection pool, until each
    returns; the seconds it took."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(client_work(client) for _ in range(concurrency))), deadline
        )
        return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, from /proc on Linux: on a machine
    shared with other work, a figure the neighbours barely move, unlike the wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset(database: str, redis_url: str) -> None:
    """Empty a scratch database and Redis db, and migrate the database to the head: what every
    bench that runs CCC against PostgreSQL and Redis does first (`workers.py`, `replay.py`,
    `turn_profile.py`)."""
    engine = create_engine(database, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    Redis.from_url(redis_url).flushdb()
    # Migrated here, with no time limit: on a loaded machine `ccc serve` migrating a fresh
    # database took longer than the harness waits for it to answer.
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "ccc.cli", "migrate"],
        env={**os.environ, "CCC_DATABASE_URL": database},
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def add_teams(database: str) -> None:
    """The centre's teams, as `ccc demo` makes them (kept if there): without them every new
    ticket's routing names a team that does not exist, and logs that instead of moving it."""
    engine = create_engine(database)
    with Session(engine) as session, session.begin():
        for slug, name in TEAMS.items():
            ensure_team(session, slug=slug, name=name)
    engine.dispose()


def fresh_schema(url: str) -> Engine:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    return engine


def session_cookie(engine: Engine, name: str, role: str, teams: list[str]) -> str:
    """A console session opened as the login form would (the bench does not time argon2)."""
    with Session(engine) as session:
        create_user(session, name=name, role=role, team_slugs=teams)
        auth.set_password(session, name=name, password=PASSWORD)
        opened = auth.log_in(session, username=name, password=PASSWORD, address="127.0.0.1")
        assert opened is not None
        session.commit()
        return opened.token


def count(database_url: str, sql: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows: int = connection.execute(text(sql)).scalar_one()
    engine.dispose()
    return rows


def print_results(results: list[Result], *, unit: str = "per s", width: int = 40) -> None:
    print(f"{'target':<{width}}{'answered':>9}{'refused':>9}{unit:>10}{'p50 ms':>9}{'p99 ms':>9}")
    for result in results:
        print(
            f"{result.name:<{width}}{result.accepted:>9}{result.refused:>9}{result.rate:>10.1f}"
            f"{result.percentile(0.50):>9.1f}{result.percentile(0.99):>9.1f}"
        )
