"""PDF certificates of attendance, for practitioners' CPD records, and when they are given.

``certificate_for`` is what every surface (the website, the API, the thank-you email's link)
calls: it asks ``booking.rules.certificate_unlocked`` and says why not with a domain error.
"""

import io

from django.conf import settings
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from booking import errors, rules
from booking.models import Booking
from common.pdf_fonts import pdf_fonts
from events.models import describe_duration

GOVUK_BLUE = colors.HexColor("#1d70b8")


def certificate_filename(booking: Booking) -> str:
    starts = timezone.localtime(booking.session.starts_at)
    return f"certificate-{booking.session.event.slug}-{starts:%Y-%m-%d}.pdf"


def certificate_for(booking: Booking) -> bytes:
    """The certificate of a booking the caller may see (``booking.have_certificate``).

    Raises ``NotAttended`` before the person is marked attended (or for a place that is not
    confirmed) and ``EvaluationRequired`` while the course waits for their evaluation. Given
    as soon as both hold, even while the session is still running.
    """
    booking = (
        Booking.objects.select_related("session__event", "person").filter(pk=booking.pk).first()
    )
    if booking is None or not rules.is_attended(booking):
        raise errors.NotAttended("The certificate is there once you have been marked attended.")
    if not rules.certificate_unlocked(booking):
        raise errors.EvaluationRequired()
    trainers = [str(trainer) for trainer in booking.session.trainers.order_by("full_name")]
    return certificate_pdf(booking, trainers=trainers)


def certificate_pdf(booking: Booking, *, trainers: list[str]) -> bytes:
    """Return a one-page A4 certificate that the booking's person attended its session.

    Expects ``booking.session.event`` and ``booking.person`` loaded; the caller decides who may
    have it (only the person, only when marked attended).
    """
    session = booking.session
    starts = timezone.localtime(session.starts_at)
    ends = timezone.localtime(session.ends_at)
    width, height = landscape(A4)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height))
    canvas.setTitle(f"Certificate of attendance: {session.event.title}")
    canvas.setAuthor(settings.PARTNERSHIP_NAME)

    canvas.setStrokeColor(GOVUK_BLUE)
    canvas.setLineWidth(3)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)

    regular, bold = pdf_fonts()
    centre = width / 2
    lines = [
        (regular, 14, settings.PARTNERSHIP_NAME, 40),
        (bold, 32, "Certificate of attendance", 62),
        (regular, 14, "This is to certify that", 84),
        (bold, 26, booking.person.full_name or booking.person.email, 100),
        (regular, 14, "attended", 116),
        (bold, 20, session.event.title, 132),
        (regular, 14, f"on {starts:%A %-d %B %Y}, {starts:%H:%M} to {ends:%H:%M}", 148),
        (regular, 14, f"Duration: {describe_duration(session.duration)}", 160),
        (regular, 14, f"Trainer: {', '.join(trainers) or 'not recorded'}", 172),
    ]
    for font, size, text, from_top in lines:
        text, size = _fit(canvas, text, font, size)
        canvas.setFont(font, size)
        canvas.drawCentredString(centre, height - from_top * mm, text)

    canvas.setFont(regular, 9)
    canvas.setFillColor(colors.HexColor("#505a5f"))
    canvas.drawString(
        20 * mm,
        20 * mm,
        f"Issued by {settings.PARTNERSHIP_NAME} ({settings.PARTNERSHIP_EMAIL}). "
        f"Reference {booking.ical_uid}.",
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _fit(canvas: Canvas, text: str, font: str, size: int) -> tuple[str, int]:
    """Shrink long text to fit the page (down to 10 pt), then cut it with an ellipsis."""
    limit = landscape(A4)[0] - 40 * mm
    while size > 10 and canvas.stringWidth(text, font, size) > limit:
        size -= 1
    if canvas.stringWidth(text, font, size) <= limit:
        return text, size
    while text and canvas.stringWidth(text + "…", font, size) > limit:
        text = text[:-1]
    return text + "…", size
