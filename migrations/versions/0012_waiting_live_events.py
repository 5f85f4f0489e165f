"""live events for the console's server-sent events stream

Revision ID: 0012_waiting
Revises: 0011_waiting
Create Date: 2026-12-06 05:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ccc.kernel.timeutil


revision: str = '0012_waiting'
down_revision: str | None = '0011_waiting'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'live_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
        sa.Column('created_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('live_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_event_created_at'), ['created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('live_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_event_created_at'))
    op.drop_table('live_event')
