"""retention: tickets and contacts remember when they were anonymised; holds on tickets;
break-glass grants

Revision ID: 0011_data
Revises: 0011_access
Create Date: 2026-12-06 04:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ccc.kernel.timeutil


revision: str = '0011_data'
down_revision: str | None = '0011_access'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        'ticket_hold',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column('created_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column('released_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=True),
        sa.Column('released_by', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_ticket_hold_ticket', 'ticket_hold', ['ticket_id', 'released_at'], unique=False)
    op.create_table(
        'break_glass_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('created_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_break_glass_user', 'break_glass_grant', ['user_id', 'ticket_id', 'expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_break_glass_user', table_name='break_glass_grant')
    op.drop_table('break_glass_grant')
    op.drop_index('ix_ticket_hold_ticket', table_name='ticket_hold')
    op.drop_table('ticket_hold')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
