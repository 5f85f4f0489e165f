"""the queue's search text and the indexes of search and of the open tickets' filters

Revision ID: 0014_search3
Revises: 0011_console
Create Date: 2026-12-06 20:00:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ccc.tickets.search import search_text

revision: str = '0014_search3'
down_revision: str | None = '0013_data3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000
RUNNING = "status IN ('new', 'open', 'referred') AND sla_paused_at IS NULL"
OPEN = "status IN ('new', 'open', 'pending', 'referred')"
# name, columns, condition: the same as ccc.tickets.models.search_indexes.
PARTIAL = [
    ('ix_ticket_breached', ['id'], f"sla_breached_at IS NOT NULL AND {OPEN}"),
    ('ix_ticket_running_resolution_due', ['resolution_due'], RUNNING),
    (
        'ix_ticket_running_first_response_due',
        ['first_response_due'],
        f"{RUNNING} AND first_response_at IS NULL",
    ),
    ('ix_ticket_running_next_response_due', ['next_response_due'], RUNNING),
    ('ix_ticket_waiting_centre', ['last_inbound_at', 'id'], "waiting_on = 'centre'"),
]


def upgrade() -> None:
    op.add_column('ticket', sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    backfill(op.get_bind())
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index(
        'ix_ticket_search_text',
        'ticket',
        ['search_text'],
        postgresql_using='gin',
        postgresql_ops={'search_text': 'gin_trgm_ops'},
        sqlite_where=sa.text('0'),
    )
    for name, columns, condition in PARTIAL:
        where = sa.text(condition)
        op.create_index(name, 'ticket', columns, postgresql_where=where, sqlite_where=where)


def backfill(connection: sa.Connection) -> None:
    """Every ticket's search text, a batch of tickets at a time (a centre's whole history)."""
    last = 0
    while True:
        rows = connection.execute(
            sa.text('SELECT id, answers FROM ticket WHERE id > :last ORDER BY id LIMIT :n'),
            {'last': last, 'n': BATCH},
        ).all()
        if not rows:
            return
        ids = [row[0] for row in rows]
        said: dict[int, list[str]] = {i: [] for i in ids}
        messages = sa.text(
            "SELECT ticket_id, text FROM message WHERE direction = 'in' AND ticket_id IN :ids "
            'ORDER BY id'
        ).bindparams(sa.bindparam('ids', expanding=True))
        for ticket_id, text in connection.execute(messages, {'ids': ids}):
            said[ticket_id].append(text)
        connection.execute(
            sa.text('UPDATE ticket SET search_text = :text WHERE id = :id'),
            [
                {'id': i, 'text': search_text(_answers(answers), said[i])}
                for i, answers in rows
            ],
        )
        last = ids[-1]


def _answers(raw: object) -> dict[str, object]:
    """JSON comes back parsed from PostgreSQL and as text from SQLite."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


def downgrade() -> None:
    for name, _columns, _condition in reversed(PARTIAL):
        op.drop_index(name, table_name='ticket')
    op.drop_index('ix_ticket_search_text', table_name='ticket')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('search_text')
