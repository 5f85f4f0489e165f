"""The engine as the core's port sees it (`ccc.kernel.ports.Engine`): bound by the composition
root, so the core calls the chatbot, the callback texts and the calendars without importing
`workflows/`."""

from __future__ import annotations

from sqlmodel import Session

from ccc.kernel.ports import OpeningHours
from ccc.kernel.settings import get_settings
from workflows.chatbot.engine import process_identity
from workflows.chatbot.replies import readable_reference
from workflows.chatbot.turn import FALLBACK_LANGUAGE
from workflows.files.library import configured_dir, current, get_library, resolve_dir
from workflows.files.reload import health
from workflows.ivr.voice_prompts import voice_prompts
from workflows.rules.engine import fire_idle


class WorkflowsEngine:
    def chatbot_turn(self, session: Session, identity_id: int, *, timeout_hours: float) -> None:
        process_identity(session, identity_id, timeout_hours=timeout_hours)

    def callback_sms(self, *, language: str | None, reference: str) -> str:
        language = language or FALLBACK_LANGUAGE
        spaced = readable_reference(reference, language)
        return voice_prompts(current()).voice.text(language, "callback_sms", reference=spaced)

    def opening_hours(self, calendar: str) -> OpeningHours | None:
        return current().calendars.get(calendar)

    def calendar_names(self) -> set[str]:
        return set(get_library(resolve_dir(get_settings().workflows_dir)).calendars)

    def fire_idle(self, session: Session) -> int:
        return fire_idle(session)

    def refresh(self) -> None:
        current()

    def health(self) -> dict[str, object]:
        current()
        return health(configured_dir())
