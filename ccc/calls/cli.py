"""`ccc voice prompts [--missing]`: what to record for the toll-free line, and what is missing.

Each prompt of the line per language, with the text to record and whether its file exists in
`CCC_VOICE_PROMPTS_DIR`. Prompts that carry a value known only during the call (a reference, a
place in the queue) are spoken by the voice and need no file; they are listed as `spoken`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_commands(commands: Any) -> None:
    voice = commands.add_parser("voice", help="the toll-free line").add_subparsers(metavar="ACTION")
    prompts = voice.add_parser("prompts", help="list the IVR prompts and their recordings")
    prompts.add_argument(
        "--missing", action="store_true", help="only what is missing; exit 1 while any is"
    )
    prompts.set_defaults(run=_prompts)


def _prompts(args: argparse.Namespace) -> int:
    from ccc.kernel.settings import get_settings
    from workflows.files.library import configure, current, resolve_dir
    from workflows.ivr.voice_prompts import VoicePrompts, recording_path

    settings = get_settings()
    configure(resolve_dir(settings.workflows_dir))
    folder = Path(settings.voice_prompts_dir) if settings.voice_prompts_dir else None
    missing = 0
    for language, speech in VoicePrompts(current()).inventory():
        if not speech.recordable:
            state = "spoken"
        else:
            found = recording_path(folder, language, speech.key)
            state = f"recorded {found.name}" if found else "MISSING"
            missing += found is None
        if args.missing and state != "MISSING":
            continue
        print(f"{language}/{speech.key}\t{state}\t{speech.text}")
    where = folder if folder is not None else "nowhere (CCC_VOICE_PROMPTS_DIR is not set)"
    print(f"{missing} recording(s) missing; prompts are looked for in {where}")
    return 1 if args.missing and missing else 0
