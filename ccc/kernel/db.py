"""Engines and sessions. Services never commit: a request dependency or a job wrapper does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import Column, Row, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.base import Executable
from sqlmodel import Session, SQLModel, create_engine

_WRITE_WAIT = 15.0
# A pooled connection idle longer than this is pinged before it is used (`_ping_when_idle`).
IDLE_PING = 1.0
POOL_SIZE = 20
POOL_OVERFLOW = 20


def _json(value: Any) -> str:
    # Unescaped, so that Arabic and Kurdish answers can be searched as they were written.
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("json_serializer", _json)
    # A database error must not print the row it failed on: it holds people's words and numbers.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _tune_sqlite(engine)
        return engine
    # Connections kept open: as many as a web process runs requests at once (its thread pool
    # takes 40). At SQLAlchemy's default of 5, a burst of 16 webhooks closed every connection
    # past the fifth on its return and opened a new one for the next request: a PostgreSQL
    # backend started for one webhook in three (bench/webhooks.py). A process opens only what it
    # uses at once; a worker, one at a time, keeps one or two.
    kwargs.setdefault("pool_size", POOL_SIZE)
    kwargs.setdefault("max_overflow", POOL_OVERFLOW)
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle for `IDLE_PING` seconds.

    SQLAlchemy's `pool_pre_ping` pings on every checkout: a round trip per request and two
    per chatbot turn (its job and its reply's send), a tenth of a turn's statements. A busy
    process hands its connections back and forth within milliseconds, and a connection that
    was fine that recently is fine now, unless the database restarted in between: then the
    statement fails, SQLAlchemy sees the disconnection and replaces every older connection of
    the pool, and the request fails once (the outbox retries a job). A connection idle longer,
    as after a quiet night or a database restart, is pinged first and replaced if dead, as
    before (raising `DisconnectionError` makes the pool connect afresh).
    """

    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["ccc.checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("ccc.checked_in")
        if since is not None and time.monotonic() - since < IDLE_PING:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError(f"the pooled connection is dead: {exc}") from exc
        if not alive:
            raise DisconnectionError("the pooled connection is dead")


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, and BEGIN IMMEDIATE so that two writers queue up.

    pysqlite's default deferred transactions let two jobs read the same snapshot and then fail
    when both try to write; taking the write lock up front makes SQLite serialise them instead.
    Threads of this process also queue on a Python lock first: SQLite's own busy handler makes
    a waiting writer sleep in growing steps, which under a burst of webhooks turned a few
    milliseconds of work into seconds of waiting. The lock is only a fairness aid: after
    `_WRITE_WAIT` seconds a thread goes ahead and lets SQLite's busy timeout decide.
    """
    write_lock = threading.Lock()
    holders: dict[int, bool] = {}

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        holders[id(connection)] = write_lock.acquire(timeout=_WRITE_WAIT)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _release(connection: Any) -> None:
        if holders.pop(id(connection), False):
            write_lock.release()

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        _release(connection)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Any) -> None:
        _release(connection)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_unless_present(
    session: Session,
    table: Table,
    values: dict[str, Any],
    *,
    keys: tuple[str, ...],
    returning: tuple[Column[Any], ...],
) -> Row[Any] | None:
    """`INSERT … ON CONFLICT (keys) DO NOTHING RETURNING …` in one statement, on PostgreSQL and
    SQLite alike: the new row, or None when a row with the same unique keys is there already
    (a redelivery, or a concurrent request that won). No savepoint is needed: nothing fails.
    The values are the statement's parameters, so the statement itself is built once per
    shape: built per call, it cost an inbound message a tenth of a millisecond of CPU."""
    statement = _insert_unless_present(
        session.get_bind().dialect.name,
        table,
        keys,
        tuple(column.name for column in returning),
    )
    return session.execute(statement, values).first()


def database_away(error: BaseException) -> bool:
    """A failure of the database itself (unreachable, connection lost), which says nothing of
    the work that met it: that work is tried again, not dropped."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def add_unless_present(session: Session, row: SQLModel, *, keys: tuple[str, ...]) -> bool:
    """`row` (a new model object, its id unset) written by `insert_unless_present` and put in
    the session as it was written, persistent, without reading it back; False, and nothing
    written, when a row with the same unique keys is there already.

    The ORM's own alternatives cost more: its flush (the unit of work) inside a savepoint for
    the conflict, or an ORM-enabled `INSERT … RETURNING` of the whole row, which builds the
    result's description and the object from every column (a ticket has thirty). The object
    holds every column's value already, its defaults included. The caller holds it until the
    commit: the session's map of rows is weak."""
    table: Table = row.__table__  # type: ignore[attr-defined]
    values = {name: getattr(row, name) for name in table.c.keys() if name != "id"}
    found = insert_unless_present(session, table, values, keys=keys, returning=(table.c.id,))
    if found is None:
        return False
    row.id = found.id
    make_transient_to_detached(row)
    session.add(row)
    return True


@cache
def _insert_unless_present(
    dialect: str, table: Table, keys: tuple[str, ...], returning: tuple[str, ...]
) -> Executable:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(table)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(*(table.c[name] for name in returning))
    )
