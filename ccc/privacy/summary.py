"""The few lines at the top of an export, in the person's language: what CCC holds about them,
so the export can be read out or handed over without reading the JSON."""

from __future__ import annotations

from collections.abc import Mapping

TEXTS: Mapping[str, str] = {
    "en": (
        "The Community Contact Centre holds {tickets} request(s), {messages} message(s) and "
        "{calls} call(s) from or to you. {held} request(s) are kept on a legal or family "
        "request. Ask the centre to correct or erase anything here."
    ),
    "ar": (
        "يحتفظ مركز التواصل المجتمعي بـ {tickets} طلب و{messages} رسالة و{calls} مكالمة منك أو "
        "إليك. {held} طلب محفوظ بناءً على طلب قانوني أو عائلي. يمكنك أن تطلب من المركز تصحيح أو "
        "محو أي شيء هنا."
    ),
    "ckb": (
        "سەنتەری پەیوەندی کۆمەڵگا {tickets} داواکاری، {messages} نامە و {calls} پەیوەندی "
        "تەلەفۆنی لە تۆوە یان بۆ تۆ هەڵگرتووە. {held} داواکاری بە داوای یاسایی یان خێزانی "
        "هەڵگیراون. دەتوانیت داوا لە سەنتەر بکەیت هەر شتێک لێرە ڕاست بکاتەوە یان بیسڕێتەوە."
    ),
    "kmr": (
        "Navenda Têkiliya Civakê {tickets} daxwaz, {messages} peyam û {calls} telefon ji te an "
        "ji bo te digire. {held} daxwaz li ser daxwaza qanûnî an malbatî têne parastin. Tu "
        "dikarî ji navendê bixwazî ku her tiştî li vir rast bike an jê bibe."
    ),
}


def summary(language: str | None, **counts: int) -> dict[str, str]:
    """The summary in the person's language (English when it is unknown)."""
    chosen = language if language is not None and language in TEXTS else "en"
    return {"language": chosen, "text": TEXTS[chosen].format(**counts)}
