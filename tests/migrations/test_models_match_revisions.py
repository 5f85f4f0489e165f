"""The Alembic revisions and the models describe the same schema, on SQLite and PostgreSQL:
a model changed without its revision (or the reverse) fails here, not on a centre's server."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import ccc.models  # noqa: F401  (every table on the metadata)
from ccc.kernel.db import make_engine


def test_a_migrated_database_has_exactly_the_models_tables_columns_and_indexes(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []
