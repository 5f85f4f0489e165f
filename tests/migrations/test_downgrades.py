"""Every revision can be undone and done again, on SQLite and PostgreSQL, with data in place.

A centre that upgrades and finds a problem must be able to step back without losing its users'
access: revision 0005 moved API tokens out of `user` into `api_token`, and its downgrade gives
each user back their newest live token.
"""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

import ccc.models  # noqa: F401  (every table on the metadata)
from ccc.access.auth import caller_for_token, create_user, digest, issue_token, revoke_access
from ccc.access.models import ApiToken
from ccc.access.service import ensure_team
from ccc.kernel.db import make_engine
from ccc.kernel.migrate import alembic_config


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return list(compare_metadata(context, SQLModel.metadata))


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def users_with_tokens(engine: Engine) -> dict[str, str]:
    """Three users: one with two live tokens, one whose tokens were all revoked, one with one;
    returns the token that each should still hold after a round trip ('' for none)."""
    with Session(engine) as session:
        ensure_team(session, slug="ccc", name="Agents")
        _alice, first = create_user(session, name="alice", role="agent", team_slugs=["ccc"])
        alice_newest = issue_token(session, user=_alice)
        bob, _ = create_user(session, name="bob", role="agent", team_slugs=["ccc"])
        revoke_access(session, user=bob)
        _carol, carol_token = create_user(session, name="carol", role="supervisor", team_slugs=[])
        session.commit()
    assert first != alice_newest
    return {"alice": alice_newest, "bob": "", "carol": carol_token}


def test_down_through_0005_and_up_again_keeps_each_users_newest_live_token(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    config = alembic_config(database_url)
    try:
        expected = users_with_tokens(engine)
        command.downgrade(config, "0004")
        assert revision(engine) == "0004"
        with engine.connect() as connection:
            rows = connection.execute(text('SELECT name, token_hash FROM "user"')).all()
        held = dict(rows)
        assert held["alice"] == digest(expected["alice"])
        assert held["carol"] == digest(expected["carol"])
        assert held["bob"].startswith("revoked-")  # a digest no token has

        command.upgrade(config, "head")
        assert schema_differences(engine) == []
        with Session(engine) as session:
            alice = caller_for_token(session, token=expected["alice"])
            assert alice is not None and alice.team_slugs == {"ccc"}  # memberships kept
            assert caller_for_token(session, token=expected["carol"]) is not None
            bob_rows = session.exec(select(ApiToken).where(ApiToken.user_id == 2)).all()
            assert [row.token_hash for row in bob_rows] == [held["bob"]]
            assert caller_for_token(session, token="revoked-2") is None
    finally:
        engine.dispose()


def test_down_to_nothing_and_up_again_gives_the_same_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(database_url)
    try:
        users_with_tokens(engine)
        command.downgrade(config, "base")
        assert revision(engine) is None
        with engine.connect() as connection:
            left = set(SQLModel.metadata.tables) & set(
                connection.dialect.get_table_names(connection)
            )
        assert left == set()
        command.upgrade(config, "head")
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
