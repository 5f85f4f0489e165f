"""Test harness: a migrated database per test, jobs in-process or through a real Redis.

With no environment, tests use a fresh SQLite file and run jobs in-process. With
`CCC_TEST_DATABASE_URL` they use that PostgreSQL, and with `CCC_TEST_REDIS_URL` jobs go
through Redis and are run by a burst worker, as `ccc worker` would run them. When either is
set but unreachable, every test errors: CI must fail, not skip.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from ccc.access.auth import create_user
from ccc.access.service import ensure_team
from ccc.api.wiring import bootstrap
from ccc.demo import TEAMS
from ccc.jobs.dispatch import InlineDispatcher, RQDispatcher
from ccc.jobs.worker import CCCWorker
from ccc.kernel.db import make_engine
from ccc.kernel.migrate import upgrade
from ccc.kernel.runtime import Runtime, set_runtime
from ccc.kernel.settings import Settings


class NetworkBanned(RuntimeError):
    """A test tried to reach a host that is not this machine: Twilio and Telegram are fakes on
    loopback here, and a test that leaves the machine would pass or fail by the weather."""


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = str(address[0])
    try:
        loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise NetworkBanned(f"a test tried to connect to {host}: only loopback is allowed")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


pytest_plugins = ["tests.support.channel_fixtures"]


def _for_this_worker(database_url: str | None, redis_url: str | None) -> tuple[str | None, ...]:
    """Under pytest-xdist each worker gets a database and a Redis db of its own (`ccc_test_gw1`,
    db 14 beside 15), so parallel tests never truncate or flush each other's data."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return database_url, redis_url
    index = int(worker[2:])
    if database_url:
        url = make_url(database_url)
        database_url = url.set(database=f"{url.database}_{worker}").render_as_string(
            hide_password=False
        )
    if redis_url:
        parts = urlsplit(redis_url)
        db = (int(parts.path.strip("/") or 0) - index) % 16
        redis_url = urlunsplit(parts._replace(path=f"/{db}"))
    return database_url, redis_url


TEST_DATABASE_URL, TEST_REDIS_URL = _for_this_worker(
    os.environ.get("CCC_TEST_DATABASE_URL") or None, os.environ.get("CCC_TEST_REDIS_URL") or None
)
PUBLIC_URL = "https://ccc.example.org"
# A Fernet key for tests that keep recordings (CCC_RECORDINGS_KEY); never a deployment's.
RECORDINGS_KEY = "q2Uo7b6cP3v0XkQm9wJtZ1n4R8sYhLdA5eGfTiKuMzE="


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of a database at the latest migration (a template file for SQLite)."""
    bootstrap()
    if TEST_DATABASE_URL:
        _create_database(TEST_DATABASE_URL)
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    template = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{template}")
    return str(template)


@pytest.fixture
def database_url(migrated_database: str, tmp_path: Path) -> Iterator[str]:
    if TEST_DATABASE_URL:
        yield migrated_database
        _truncate(migrated_database)
        return
    copy = tmp_path / "ccc.db"
    shutil.copy(migrated_database, copy)
    yield f"sqlite:///{copy}"


def _create_database(url: str) -> None:
    """A worker's own PostgreSQL database, made on first use from the server's `postgres` one."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": TEST_REDIS_URL,
        "public_url": PUBLIC_URL,
        "simulator": True,
        "outbound": None,
        "twilio_account_sid": None,
        "twilio_auth_token": None,
        "twilio_sms_from": None,
        "twilio_whatsapp_from": None,
        "telegram_bot_token": None,
        "telegram_webhook_secret": None,
    }
    values.update(overrides)
    return Settings(**values)


@dataclass
class Harness:
    """One running CCC: its runtime, an HTTP client, and helpers that read like the tests."""

    runtime: Runtime
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def drain(self) -> None:
        """Run every queued job to the end, as a worker would."""
        dispatcher = self.runtime.dispatcher
        if isinstance(dispatcher, InlineDispatcher):
            dispatcher.wait_idle()
        if isinstance(dispatcher, RQDispatcher):
            queues = list(dispatcher.queues.values())
            for _ in range(100):
                if not any(queue.count for queue in queues):
                    break
                _BurstWorker(queues, connection=dispatcher.connection).work(burst=True)

    def say(self, sender: str, text: str) -> int:
        response = self.client.post("/api/simulator/messages", json={"from": sender, "text": text})
        assert response.status_code == 202, response.text
        self.drain()
        message_id: int = response.json()["message_id"]
        return message_id

    def transcript(self, address: str) -> list[dict[str, Any]]:
        response = self.client.get("/api/simulator/messages", params={"address": address})
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()
        return messages

    def last_reply(self, address: str) -> str:
        outbound = [m for m in self.transcript(address) if m["direction"] == "out"]
        assert outbound, "no reply was sent"
        text: str = outbound[-1]["text"]
        return text

    def user(self, name: str, role: str, teams: list[str] | None = None) -> dict[str, str]:
        with self.session() as session:
            _user, token = create_user(session, name=name, role=role, team_slugs=teams or [])
            session.commit()
        self.tokens[name] = token
        return {"Authorization": f"Bearer {token}"}


class _BurstWorker(CCCWorker):
    """A burst worker without the command channel (stop a job, kill a worker), which a test
    never sends: RQ joins its pub/sub thread on the way out, and with redis-py 8 that join
    can wait the thread's poll, once per drain."""

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


def build_harness(settings: Settings) -> Iterator[Harness]:
    from ccc.api.app import create_app
    from ccc.api.wiring import channel_registry

    bootstrap()
    engine = make_engine(settings.database_url)
    if settings.redis_url:
        dispatcher: Any = RQDispatcher(settings.redis_url, engine)
        if settings.redis_url == TEST_REDIS_URL:  # not a Redis a test made unreachable
            dispatcher.connection.flushdb()
    else:
        dispatcher = InlineDispatcher()
    runtime = Runtime(
        settings=settings, engine=engine, dispatcher=dispatcher, channels=channel_registry()
    )
    with Session(engine) as session:
        for slug, name in TEAMS.items():
            ensure_team(session, slug=slug, name=name)
        session.commit()
    app = create_app(runtime=runtime, background=False)
    with TestClient(app) as client:
        yield Harness(runtime=runtime, client=client)
    set_runtime(None)
    engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def ccc(settings: Settings) -> Iterator[Harness]:
    yield from build_harness(settings)


@pytest.fixture
def agent(ccc: Harness) -> dict[str, str]:
    return ccc.user("alice", "agent", ["ccc"])


@pytest.fixture
def supervisor(ccc: Harness) -> dict[str, str]:
    return ccc.user("sam", "supervisor")


@pytest.fixture
def live_server(ccc: Harness) -> Iterator[str]:
    """The test's CCC served on a real port, for a browser or `ccc chat`.

    Its jobs run in-process, before each response, even where the suite runs on Redis: no
    worker drains a queue behind a real server, and what is tested here is the page or the
    command, not the queue."""
    from ccc.api.app import create_app

    runtime = Runtime(
        settings=ccc.runtime.settings, engine=ccc.engine, dispatcher=InlineDispatcher()
    )
    app = create_app(runtime=runtime, background=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(100):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=5)
    set_runtime(ccc.runtime)
