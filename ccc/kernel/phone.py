"""Phone numbers in E.164, so the same person on SMS, WhatsApp and voice is one contact."""

from __future__ import annotations

import phonenumbers

from ccc.kernel.text import normalise_digits


def to_e164(raw: str, default_region: str = "IQ") -> str | None:
    """`0770 123 4567`, `00964 770…` and `+964770…` all give `+9647701234567`; junk gives None."""
    text = normalise_digits(raw).strip()
    if text.lower().startswith("whatsapp:"):
        text = text.split(":", 1)[1]
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(address: str) -> str:
    """For logs: enough to tell two numbers apart during an incident, not enough to call one."""
    if len(address) <= 6:
        return "***"
    prefix = address[:4] if address.startswith("+") and len(address) > 9 else ""
    return f"{prefix}***{address[-2:]}"
