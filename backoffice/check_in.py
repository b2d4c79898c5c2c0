"""What the trainer's register shows for self check-in: the code, its link, and a QR code."""

from dataclasses import dataclass
from datetime import datetime

import segno
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from booking import rules
from events.models import Session
from notifications.services import absolute_url


@dataclass(frozen=True)
class CheckInDisplay:
    code: str
    url: str
    valid_from: datetime
    valid_until: datetime
    is_open: bool
    qr_svg: SafeString


def check_in_display(session: Session, *, now: datetime) -> CheckInDisplay:
    code = rules.check_in_code(session)
    url = absolute_url(f"{reverse('booking:check_in', args=[session.pk])}?code={code}")
    valid_from, valid_until = rules.check_in_window(session)
    return CheckInDisplay(
        code=code,
        url=url,
        valid_from=valid_from,
        valid_until=valid_until,
        is_open=rules.check_in_open(session, now),
        qr_svg=qr_svg(url, title=f"QR code for checking in with code {code}"),
    )


def qr_svg(data: str, *, title: str) -> SafeString:
    """An inline SVG QR code (segno), scaled by CSS, named for screen readers."""
    svg = segno.make(data, error="m").svg_inline(
        scale=1, border=4, svgclass="app-qr", lineclass=None, omitsize=True, title=escape(title)
    )
    # segno writes only its own markup around our escaped title.
    return mark_safe(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S308
