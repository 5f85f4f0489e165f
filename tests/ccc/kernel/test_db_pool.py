"""The pool pings a connection only after it sat idle (`ccc.kernel.db._ping_when_idle`): a
connection the database dropped meanwhile is replaced before use, not handed to a request."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ccc.kernel import db


def test_a_connection_dropped_while_idle_is_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            first = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with db.make_engine(database_url).connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
            other.commit()
        monkeypatch.setattr(db, "IDLE_PING", 0.0)  # as if it had been idle for long
        with engine.connect() as connection:
            second = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_just_handed_back_is_not_pinged(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's connections are never pinged")
    engine = db.make_engine(database_url, pool_size=1, max_overflow=0)
    pings = 0
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        nonlocal pings
        pings += 1
        return bool(ping(dbapi_connection))

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    try:
        for _ in range(3):
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        # A new connection, then one handed back a moment ago: SQLAlchemy's pre-ping pinged 3.
        assert pings == 0
    finally:
        engine.dispose()
