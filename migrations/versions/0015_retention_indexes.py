"""the indexes retention's batches look up by: a ticket's calls, a person's callbacks, and the
outbound messages still holding a delivery error

Without them, every batch of 200 tickets read the whole call table, every batch of calls or
people the whole callback table, and every batch of finished outbox jobs the whole message
table (measured with EXPLAIN ANALYZE on 200,000 seeded tickets: docs/performance.md).

Revision ID: 0015_retain5
Revises: 0014_search3
Create Date: 2026-12-07 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015_retain5'
down_revision: str | None = '0014_search3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same condition as ccc.messages.models.ERROR_KEPT.
ERROR_KEPT = 'error_message IS NOT NULL'


def upgrade() -> None:
    op.create_index('ix_call_ticket', 'call', ['ticket_id'], unique=False)
    op.create_index('ix_callback_identity', 'callback', ['identity_id'], unique=False)
    where = sa.text(ERROR_KEPT)
    op.create_index(
        'ix_message_error', 'message', ['created_at'], postgresql_where=where, sqlite_where=where
    )


def downgrade() -> None:
    op.drop_index('ix_message_error', table_name='message')
    op.drop_index('ix_callback_identity', table_name='callback')
    op.drop_index('ix_call_ticket', table_name='call')
