"""`ccc recordings rotate-key`: everything sealed under `CCC_RECORDINGS_KEY` sealed again
under the ring's first key, so the old keys can leave the ring.

To rotate: put a new key first in `CCC_RECORDINGS_KEY` (the old ones after it), run this,
then drop the old keys. Kept recordings (`*.wav.fernet` in `CCC_VOICE_RECORDINGS_DIR`) are
rewritten through a temporary file and an atomic rename, so a crash leaves the old or the new
file, never half of one; transcripts are re-sealed in the database in batches, each committed
on its own. A transcript still in plain words (kept before sealing) is sealed now.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ccc.calls.models import Recording
from ccc.cli_common import migrated_engine
from ccc.kernel.errors import Invalid
from ccc.kernel.settings import Settings, get_settings
from ccc.kernel.vault import SEALED_SUFFIX, reseal, reseal_text

BATCH = 200


@dataclass
class Rotated:
    files: int = 0
    transcripts: int = 0


def rotate(engine: Engine, settings: Settings) -> Rotated:
    """Re-seal every kept recording and every transcript under the ring's first key."""
    keys = settings.recordings_key
    if not keys:
        raise Invalid("CCC_RECORDINGS_KEY is not set: there is no key to rotate to")
    done = Rotated()
    if settings.voice_recordings_dir:
        done.files = _rotate_files(Path(settings.voice_recordings_dir), keys)
    done.transcripts = _rotate_transcripts(engine, keys)
    return done


def _rotate_files(folder: Path, keys: str) -> int:
    count = 0
    for kept in sorted(folder.glob(f"*{SEALED_SUFFIX}")):
        fresh = reseal(keys, kept.read_bytes())
        partial = kept.with_name(kept.name + ".partial")
        partial.write_bytes(fresh)
        os.replace(partial, kept)
        count += 1
    return count


def _rotate_transcripts(engine: Engine, keys: str) -> int:
    count, after = 0, 0
    while True:
        with Session(engine) as session:
            batch = session.exec(
                select(Recording)
                .where(col(Recording.transcript).is_not(None), col(Recording.id) > after)
                .order_by(col(Recording.id))
                .limit(BATCH)
            ).all()
            if not batch:
                return count
            for recording in batch:
                recording.transcript = reseal_text(keys, recording.transcript or "")
                session.add(recording)
            after = batch[-1].id or after
            count += len(batch)
            session.commit()


def add_commands(commands: Any) -> None:
    recordings = commands.add_parser(
        "recordings", help="kept call recordings and transcripts"
    ).add_subparsers(metavar="ACTION")
    rotate_key = recordings.add_parser(
        "rotate-key",
        help="re-seal every kept recording and transcript under CCC_RECORDINGS_KEY's first key",
    )
    rotate_key.set_defaults(run=_rotate_key)


def _rotate_key(args: argparse.Namespace) -> int:
    done = rotate(migrated_engine(), get_settings())
    print(f"recordings re-sealed: {done.files}")
    print(f"transcripts re-sealed: {done.transcripts}")
    return 0
