"""next-response SLA clock on tickets; a user's own shift calendar

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ccc.kernel.timeutil


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_response_since', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_response_due', ccc.kernel.timeutil.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_response_paused_before', sa.Float(), nullable=False, server_default='0'))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('calendar')

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('next_response_paused_before')
        batch_op.drop_column('next_response_due')
        batch_op.drop_column('next_response_since')
