"""What each prompt costs as an SMS: the number of segments of the message a person receives,
in GSM-7 or UCS-2 as its text needs, for `ccc workflows check`.

A question is measured as it is sent (its text with its numbered choices), a placeholder filled
with a value as long as a real one, so the counts are those a telephone bill shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ccc.channels.sms import encoding_of, length
from ccc.channels.sms import segments as sms_segments
from workflows.chatbot.replies import readable_reference, render_question, with_choices
from workflows.files.flow import LANGUAGES, Flow, load_flow
from workflows.files.prompts import Catalogue, load_catalogue
from workflows.files.yamlfile import LineDict, LoadError, load

MAX_SEGMENTS = 2
_SAMPLE_REFERENCE = "48219935"
_SAMPLES = {"phone": "+9647701234567"}


@dataclass(frozen=True)
class Cost:
    key: str
    language: str
    segments: int
    encoding: str
    units: int
    text: str


def segments(text: str) -> int:
    """How many SMS segments a text is billed as (sent as one message, segmented by the
    carrier and joined again on the phone)."""
    return sms_segments(text)


def rendered(flow: Flow, catalogue: Catalogue, language: str) -> dict[str, str]:
    """Every prompt of one language as the person receives it."""
    asked = {step.ask: step for step in flow.steps.values() if step.ask is not None}
    statuses = [
        prompt.text
        for key, prompt in catalogue.prompts[language].items()
        if key.startswith("status_")
    ]
    values = {
        **_SAMPLES,
        "reference": readable_reference(_SAMPLE_REFERENCE, language),
        "status": max(statuses, key=len, default=""),
        "when": _longest_when(catalogue, language),
    }
    texts: dict[str, str] = {}
    for key, prompt in catalogue.prompts[language].items():
        step = asked.get(key)
        if step is not None:
            texts[key] = render_question(catalogue, step, language, values).text
            continue
        text = prompt.text.format_map(_Defaults(values))
        texts[key] = with_choices(text, prompt.choices)
    return texts


def _longest_when(catalogue: Catalogue, language: str) -> str:
    """The longest "when we call back" of the language, so a callback prompt is not undercounted."""
    prompts = catalogue.prompts[language]
    days = [p.text for key, p in prompts.items() if key.startswith("day_")]
    fills = {"time": "16:00", "date": "14/12", "day": max(days, key=len, default="")}
    whens = [
        p.text.format_map(_Defaults(fills))
        for key, p in prompts.items()
        if key.startswith("callback_when_")
    ]
    return max(whens, key=len, default="")


def costs(flow: Flow, catalogue: Catalogue) -> list[Cost]:
    found: list[Cost] = []
    for language in LANGUAGES:
        for key, text in rendered(flow, catalogue, language).items():
            encoding = encoding_of(text)
            cost = Cost(key, language, segments(text), encoding.name, length(text), text)
            found.append(cost)
    return found


def report(folder: Path) -> list[str]:
    """A table of segments per prompt and language, then a warning for each prompt over
    MAX_SEGMENTS; nothing for a folder whose flow or prompts do not load."""
    try:
        flow = load_flow(folder / "flows" / "default.yaml")
        catalogue = load_catalogue(folder / "prompts", flow)
    except LoadError:
        return []
    found = costs(flow, catalogue)
    table: dict[str, dict[str, int]] = {}
    for cost in found:
        table.setdefault(cost.key, {})[cost.language] = cost.segments
    width = max(len(key) for key in table)
    lines = [f"SMS segments per prompt ({', '.join(LANGUAGES)}):"]
    for key, row in table.items():
        counts = "  ".join(f"{language} {row.get(language, '-')}" for language in LANGUAGES)
        lines.append(f"  {key.ljust(width)}  {counts}")
    warned: set[tuple[str, str]] = set()
    # A list asked by name first is sent only after an answer that names no choice.
    fallbacks = {s.ask: s.ask_by_name for s in flow.steps.values() if s.ask_by_name}
    for cost in found:
        # The language menu is one text in every language: warn about it once.
        if cost.segments > MAX_SEGMENTS and (cost.key, cost.text) not in warned:
            warned.add((cost.key, cost.text))
            path = folder / "prompts" / f"{cost.language}.yaml"
            lines.append(
                f"{path}:{_line_of(path, cost.key)}: warning: prompt {cost.key!r} takes "
                f"{cost.segments} SMS segments in {cost.language} "
                f"({cost.units} {cost.encoding} characters)"
                + (
                    f"; sent only after an answer to {fallbacks[cost.key]!r} names no choice"
                    if cost.key in fallbacks
                    else ""
                )
            )
    return lines


def folders(paths: list[Path], default: Path) -> list[Path]:
    """The workflow folders (holding flows/ and prompts/) that the checked paths belong to."""
    found: list[Path] = []
    for path in paths or [default]:
        for candidate in (path, path.parent, path.parent.parent):
            if (candidate / "flows" / "default.yaml").exists() and (candidate / "prompts").is_dir():
                if candidate not in found:
                    found.append(candidate)
                break
    return found


def _line_of(path: Path, key: str) -> int:
    data, _problems = load(path)
    prompts = data.get("prompts") if isinstance(data, LineDict) else None
    return prompts.line_of(key) if isinstance(prompts, LineDict) else 1


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "…" * 12
