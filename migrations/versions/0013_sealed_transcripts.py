"""transcripts sealed at rest under CCC_RECORDINGS_KEY, like the recordings

Revision ID: 0013_data3
Revises: 0011_console
Create Date: 2026-12-06 20:00:00.000000

Upgrade seals every transcript still in plain words; downgrade opens them again (the code
before this revision reads plain words). Both need CCC_RECORDINGS_KEY in the environment when
there is a transcript to convert, and stop with one line saying so when it is missing.
"""

import os
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ccc.kernel.vault import SEALED_TEXT, open_text, seal_text

revision: str = "0013_data3"
down_revision: str | None = "0011_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RECORDING = sa.table("recording", sa.column("id", sa.Integer), sa.column("transcript", sa.Text))


def _convert(*, sealed: bool, change: str) -> None:
    """Every transcript whose state is `sealed`, rewritten by `change` ("seal" or "open")."""
    connection = op.get_bind()
    prefixed = RECORDING.c.transcript.like(SEALED_TEXT + "%")
    rows = connection.execute(
        sa.select(RECORDING.c.id, RECORDING.c.transcript).where(
            RECORDING.c.transcript.is_not(None), prefixed if sealed else sa.not_(prefixed)
        )
    ).all()
    if not rows:
        return
    keys = os.environ.get("CCC_RECORDINGS_KEY", "").strip()
    if not keys:
        raise RuntimeError(
            f"CCC_RECORDINGS_KEY is needed to {change} the {len(rows)} transcripts kept "
            "(docs/data-protection.md)"
        )
    for row_id, text in rows:
        value = seal_text(keys, text) if change == "seal" else open_text(keys, text)
        connection.execute(
            RECORDING.update().where(RECORDING.c.id == row_id).values(transcript=value)
        )


def upgrade() -> None:
    _convert(sealed=False, change="seal")


def downgrade() -> None:
    _convert(sealed=True, change="open")
