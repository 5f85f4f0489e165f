"""The year report in the console: `ccc report year` for supervisors and admins, with charts.

The figures are `ccc.reports.year.figures`, the very function behind the command, so the page,
its CSV and the command agree to the unit (and with `/api/reports/summary` for the window).
Charts are SVG drawn on the server (`ccc.reports.chart`), each with a table of the same numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel.dates import get_month_names
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from ccc.console.deps import ConsoleDep
from ccc.console.i18n import babel_locale, direction, format_number
from ccc.console.report_page import KIND_OF, failed, labeller
from ccc.console.web import Console, page
from ccc.kernel.errors import CCCError, Forbidden
from ccc.kernel.timeutil import utcnow
from ccc.reports import year as year_report
from ccc.reports.chart import Count, Series, bar_chart
from ccc.reports.service import READERS
from ccc.tickets.service import oldest_ticket_at

router = APIRouter(prefix="/console", include_in_schema=False)

# Badini in Iraq is written in Arabic script, as the rest of the console's Badini, and CLDR has
# no months for it: Babel 2.19 (CLDR 46) gives `ku`/`kmr` in Latin script (rêbendan, sibat…),
# `ckb` is Sorani, and `ku_Arab`, `ku_Arab_IQ` and `sdh` exist with placeholders (M01…M12).
# Hence data, written by hand and waiting for a native reviewer (docs/translations.md).
BADINI_MONTHS = (
    "کانوونا دووێ",
    "شوبات",
    "ئادار",
    "نیسان",
    "گولان",
    "حەزیران",
    "تیرمەه",
    "تەباخ",
    "ئیلوون",
    "چریا ئێکێ",
    "چریا دووێ",
    "کانوونا ئێکێ",
)
# The breakdowns drawn as charts of the whole year, in this order.
BREAKDOWNS = {
    "by_channel": ("Inquiries by channel", "Channel"),
    "by_category": ("Inquiries by category", "Category"),
    "by_team": ("Inquiries by team", "Team"),
    "by_governorate": ("Inquiries by governorate", "Governorate"),
}
MONTHLY = {
    "contacts": "Calls and messages received per month",
    "by_category": "Inquiries per month by category",
    "by_team": "Inquiries per month by team",
}


def month_names(language: str) -> list[str]:
    if language == "kmr":
        return list(BADINI_MONTHS)
    names = get_month_names("abbreviated", locale=babel_locale(language))
    return [str(names[month]) for month in range(1, 13)]


def _allowed(console: Console) -> None:
    if console.caller.role not in READERS:
        raise Forbidden("the year report is for supervisors and admins")


def _year(value: str | None) -> int:
    if value is None or not value.strip():
        return utcnow().year
    if not value.strip().isdigit():
        return 0  # refused by the report with its own message
    return int(value.strip())


def _years(console: Console) -> list[int]:
    """From the year of the oldest ticket to this one: the window selector's choices."""
    first = oldest_ticket_at(console.session)
    now = utcnow().year
    start = min(first.year, now) if first else now
    return list(range(now, start - 1, -1))


@router.get("/reports/year", response_class=HTMLResponse)
def year_page(request: Request, console: ConsoleDep, year: str | None = None) -> HTMLResponse:
    chosen = _year(year)
    try:
        _allowed(console)
        shown = year_report.figures(
            console.session, year=chosen, caller=console.caller, settings=console.settings
        )
        months = year_report.monthly(console.session, year=chosen, settings=console.settings)
    except CCCError as exc:
        return failed(
            request,
            "year.html",
            console,
            exc,
            report=None,
            year=chosen,
            years=_years(console) if console.caller.role in READERS else [],
        )
    return page(
        request,
        "year.html",
        language=console.language,
        console=console,
        report=shown,
        year=chosen,
        years=_years(console),
        charts=charts(console, shown, months),
    )


def charts(console: Console, shown: dict[str, Any], months: dict[str, Any]) -> list[dict[str, Any]]:
    """Each chart's SVG and the table beside it (`head`: column names, `rows`: label and
    counts), in the reader's language and direction."""
    _ = console._
    word = labeller(console)
    language = console.language
    rtl = direction(language) == "rtl"

    def numeral(value: Count) -> str:
        return format_number(value, language)

    month_labels = month_names(console.language)
    drawn = []
    contacts = [Series(_("Calls received"), months["calls_received"])] + [
        Series(word("channel", channel), values)
        for channel, values in months["messages_received"].items()
    ]
    monthly_series = {
        "contacts": contacts,
        **{
            name: [Series(word(KIND_OF[name], key), values) for key, values in months[name].items()]
            for name in ("by_category", "by_team")
        },
    }
    for name, series in monthly_series.items():
        drawn.append(
            _chart(
                f"month-{name}", _(MONTHLY[name]), month_labels, series, _("Month"), rtl, numeral
            )
        )
    for name, (title, axis) in BREAKDOWNS.items():
        values = shown[name]
        labels = [word(KIND_OF[name], str(key)) for key in values]
        one = [Series(_("Count"), list(values.values()))]
        drawn.append(_chart(f"year-{name}", _(title), labels, one, _(axis), rtl, numeral))
    return drawn


def _chart(  # noqa: PLR0913 (what one chart shows, and how its reader reads)
    key: str,
    title: str,
    labels: list[str],
    series: list[Series],
    axis: str,
    rtl: bool,
    numeral: Callable[[Count], str],
) -> dict[str, Any]:
    described = "; ".join(
        f"{one.name}: "
        + ", ".join(
            f"{label} {numeral(value)}" for label, value in zip(labels, one.values, strict=False)
        )
        for one in series
    )
    svg: Markup = bar_chart(
        key=key,
        title=title,
        description=described,
        labels=labels,
        series=series,
        rtl=rtl,
        numeral=numeral,
    )
    return {
        "key": key,
        "wide": key.startswith("month-"),
        "title": title,
        "svg": svg,
        "head": [axis, *(one.name for one in series)],
        "rows": [[label, *(one.values[i] for one in series)] for i, label in enumerate(labels)],
    }


@router.get("/reports/year.csv")
def year_csv(console: ConsoleDep, year: str | None = None) -> Response:
    """The same CSV as `ccc report year YEAR --format csv`, recorded in the audit log as the
    command's export is."""
    _allowed(console)
    chosen = _year(year)
    shown = year_report.figures(
        console.session, year=chosen, caller=console.caller, settings=console.settings
    )
    return Response(
        year_report.as_csv(shown),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ccc-year-{chosen}.csv"'},
    )
