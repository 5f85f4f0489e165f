"""who owes the next word on a ticket: waiting_on and last_inbound_at

Revision ID: 0011_waiting
Revises: 0011_data
Create Date: 2026-12-06 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ccc.kernel.timeutil


revision: str = '0011_waiting'
down_revision: str | None = '0011_data'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The person's last message on each ticket (or its creation), then who owes the next word:
# the centre when no user of the centre wrote since; the person when the ticket is pending or
# the centre's last reply asked a question. Same rules as ccc.tickets.waiting.
LAST_INBOUND = """
UPDATE ticket SET last_inbound_at = COALESCE(
    (SELECT MAX(m.created_at) FROM message m WHERE m.ticket_id = ticket.id AND m.direction = 'in'),
    ticket.created_at)
"""
WAITING = """
UPDATE ticket SET waiting_on = CASE
    WHEN status NOT IN ('new', 'open', 'referred', 'pending') THEN NULL
    WHEN NOT EXISTS (SELECT 1 FROM message m WHERE m.ticket_id = ticket.id
        AND m.direction = 'out' AND m.author_user_id IS NOT NULL
        AND m.created_at >= ticket.last_inbound_at) THEN 'centre'
    WHEN status = 'pending' THEN 'person'
    WHEN (SELECT m.text FROM message m WHERE m.ticket_id = ticket.id AND m.direction = 'out'
        AND m.author_user_id IS NOT NULL ORDER BY m.id DESC LIMIT 1) LIKE '%?%' THEN 'person'
    WHEN (SELECT m.text FROM message m WHERE m.ticket_id = ticket.id AND m.direction = 'out'
        AND m.author_user_id IS NOT NULL ORDER BY m.id DESC LIMIT 1) LIKE '%؟%' THEN 'person'
    ELSE NULL END
"""


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_on', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column('last_inbound_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_ticket_waiting', ['waiting_on', 'last_inbound_at', 'id'], unique=False)
    op.execute(LAST_INBOUND)
    op.execute(WAITING)


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_waiting')
        batch_op.drop_column('last_inbound_at')
        batch_op.drop_column('waiting_on')
