"""Turn an outbox row into an email message that Django's email API (or anymail) sends.

Layout, as Outlook, Google and Apple all read it (and as Nodemailer's calendar option writes it)::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html
        text/calendar; method=REQUEST|CANCEL; charset="utf-8"    (the invitation itself)
      application/ics; name="invite.ics"                          (the same, as a file)

Most anymail providers refuse a text/calendar alternative part; ``EMAIL_CALENDAR_ALTERNATIVE =
False`` leaves it out and keeps the attachment.
"""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from common.text import one_line
from notifications.models import Notification


class InvitationEmail(EmailMultiAlternatives):
    """An email whose calendar parts carry the headers calendar clients look for."""

    calendar_method = ""

    def message(self, *args, **kwargs):
        """Write ``method=REQUEST`` unquoted, as Outlook and Google write it, and name the file.

        Django quotes every parameter (``method="REQUEST"``): valid MIME, but not what the big
        clients send, and some of them are known to be picky about invitations.
        """
        mime = super().message(*args, **kwargs)
        for part in mime.walk():
            content_type = part.get_content_type()
            if content_type == "text/calendar":
                part.replace_header(
                    "Content-Type",
                    f'text/calendar; method={self.calendar_method}; charset="utf-8"',
                )
            elif content_type == "application/ics":
                part.set_param("name", "invite.ics")
        return mime


def build_email(notification: Notification) -> EmailMultiAlternatives:
    message = InvitationEmail(
        subject=one_line(notification.subject),
        body=notification.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((one_line(notification.recipient_name), notification.recipient))],
        reply_to=settings.EMAIL_REPLY_TO,
        headers={
            "Message-ID": notification.message_id,
            # RFC 3834: out-of-office replies should not answer automatic mail.
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(notification.body_html, "text/html")
    if notification.calendar:
        method = message.calendar_method = notification.calendar_method
        if getattr(settings, "EMAIL_CALENDAR_ALTERNATIVE", True):
            message.attach_alternative(notification.calendar, f"text/calendar; method={method}")
        message.attach("invite.ics", notification.calendar.encode(), "application/ics")
    if notification.attachment_name:
        message.attach(
            notification.attachment_name,
            bytes(notification.attachment),
            notification.attachment_type or "application/octet-stream",
        )
    # Providers that track messages (anymail) report events against this id.
    message.metadata = {"notification_id": str(notification.pk)}
    message.tags = [notification.kind]
    return message
