"""a ticket's identity and its held-text events, indexed: every WhatsApp turn looks them up

`release_held` joins the person's tickets (by `identity_id`) to their events of the two
held-text kinds. With no index on `ticket.identity_id` nor on those events, PostgreSQL read the
whole event table for each turn: 11 ms at the end of the seed centre's replayed year (55,000
events, 14,885 scans), growing with the table; with both, 0.05 ms (docs/performance.md).

Revision ID: 0016_identity
Revises: 0015_retain5
Create Date: 2026-12-08 02:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_identity'
down_revision: str | None = '0015_retain5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The same condition as ccc.tickets.models.HELD_KINDS.
HELD_KINDS = "kind IN ('held_for_reply', 'held_sent')"


def upgrade() -> None:
    op.create_index('ix_ticket_identity', 'ticket', ['identity_id'], unique=False)
    where = sa.text(HELD_KINDS)
    op.create_index(
        'ix_ticket_event_held', 'ticket_event', ['ticket_id'],
        postgresql_where=where, sqlite_where=where,
    )


def downgrade() -> None:
    op.drop_index('ix_ticket_event_held', table_name='ticket_event')
    op.drop_index('ix_ticket_identity', table_name='ticket')
