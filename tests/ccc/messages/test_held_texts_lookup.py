"""Every WhatsApp turn asks whether texts of the centre wait for the person's reply
(`release_held`). On PostgreSQL that statement is prepared, and a prepared statement's generic
plan knows none of its values: with nothing to go on but the event kinds, it read the whole
event table on every turn (14,885 scans of up to 55,000 rows in the replayed year). The kinds
are written into the statement and have a partial index of their own, so no plan needs to."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Engine

from ccc.kernel.db import make_engine
from ccc.messages.tasks import _HELD_AND_RELEASED


@pytest.fixture
def engine(database_url: str) -> Engine:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's prepared statements and their generic plans")
    return make_engine(database_url)


def prepared(statement: object) -> str:
    """The statement as psycopg prepares it: the identity a parameter, the kinds literals."""
    sql = str(
        statement.params(b_identity_id=1).compile(  # type: ignore[attr-defined]
            dialect=postgresql.dialect(), compile_kwargs={"render_postcompile": True}
        )
    )
    return re.sub(r"%\(b_identity_id\)s", "$1", sql)


def test_the_held_texts_lookup_never_reads_the_whole_event_table(engine: Engine) -> None:
    with engine.connect() as connection:
        # Whatever the tables' sizes: a plan that must read every event is the only one left
        # when sequential scans are priced out and no index fits.
        connection.exec_driver_sql("SET enable_seqscan = off")
        connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        connection.exec_driver_sql(f"PREPARE held AS {prepared(_HELD_AND_RELEASED)}")
        plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN EXECUTE held(1)"))
    assert "Seq Scan on ticket_event" not in plan, plan
    assert "ix_ticket_event_held" in plan, plan
    engine.dispose()
