"""Alembic revisions for SQLite and PostgreSQL, shipped inside the wheel so that an installed
`ccc migrate` finds them."""
