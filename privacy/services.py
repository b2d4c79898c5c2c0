"""Data protection use cases for one person: subject access export, erasure, anonymisation.

Anonymising keeps the ``User`` row and its organisation, so the partnership's figures by sector,
theme and attendance stay correct, and empties everything that identifies the person. Erasure
first cancels the person's future bookings through the booking rules (so the waitlist is
promoted and the cancellation, with its calendar CANCEL, is queued to the real address), and
only then anonymises. Retention (``privacy.retention``) anonymises through the same function.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User, new_secret
from audit.models import AuditEvent
from audit.services import record, relabel_actor
from booking import services as booking_services
from booking.messages import queue_messages_for
from booking.models import Booking, Evaluation, EvaluationAnswer
from common.errors import NotAllowed
from notifications.kinds import Kind
from notifications.models import Notification
from privacy.rules import may_manage_personal_data

# Outbox rows still to be sent are kept (a cancellation must still reach the person's
# calendar); the rest are deleted when the person is anonymised.
UNSENT_NOTIFICATION_STATUSES = ("queued", "sending")


def anonymised_email(person: User) -> str:
    """An address that can never receive mail (RFC 2606 ``.invalid``) and stays unique."""
    return f"anonymised-{person.pk}@anonymised.invalid"


@dataclass
class Erasure:
    person: User
    cancelled: list[int] = field(default_factory=list)
    kept: int = 0


def erase_person(person: User, *, by: User, now: datetime | None = None) -> Erasure:
    """Erase a person on their request (or a coordinator's on their behalf).

    First the account is shut, in its own committed transaction: deactivated (no more sign-in,
    web or API) and its API tokens revoked, so no new booking can start. Then, in ONE
    transaction, future bookings are cancelled through ``booking.services.cancel_booking`` (each
    freed place is promoted, and the cancellation, with its calendar CANCEL, is written to the
    outbox while the address is still known) and the person is anonymised: either all of it
    happens or none, and no booking can slip in between. Running it again changes nothing.
    """
    if not may_manage_personal_data(by, person):
        raise NotAllowed("Only the person themself or a coordinator can erase an account.")
    now = now or timezone.now()
    erasure = Erasure(person=person)
    if person.anonymised_at:
        return erasure
    shut_account(person, now=now)
    with transaction.atomic():
        # The person's row is locked so a concurrent erasure of the same person waits here.
        person = User.objects.select_for_update().get(pk=person.pk)
        erasure.person = person
        if person.anonymised_at:
            return erasure
        future = Booking.objects.active().filter(person=person, session__starts_at__gt=now)
        for booking in future.select_related("session"):
            booking_services.cancel_booking(booking, by=by, now=now)
            erasure.cancelled.append(booking.pk)
        if erasure.cancelled:
            # Booking messages are normally written by the worker a moment later; by then the
            # address is gone, so the cancellations are written to the outbox now. The
            # worker's own attempt finds the same dedupe keys and adds nothing.
            queue_messages_for(erasure.cancelled, kind=Kind.BOOKING_CANCELLED)
        erasure.kept = Booking.objects.filter(person=person).count()
        anonymise_person(person, now=now)
        record(
            "privacy.erased",
            actor=by,
            target=person,
            cancelled=len(erasure.cancelled),
            kept=erasure.kept,
        )
    return erasure


def shut_account(person: User, *, now: datetime) -> None:
    """Deactivate the account and revoke its API tokens, committed at once."""
    with transaction.atomic():
        User.objects.filter(pk=person.pk).update(is_active=False)
        person.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=now)
    person.is_active = False


def anonymise_person(person: User, *, now: datetime | None = None) -> bool:
    """Empty everything that identifies the person; keep the row, its organisation and bookings.

    Returns False when the person was already anonymised. The caller owns the transaction.
    """
    now = now or timezone.now()
    if person.anonymised_at:
        return False
    person.email = anonymised_email(person)
    person.full_name = ""
    person.job_title = ""
    person.is_active = False
    person.is_staff = False
    person.is_superuser = False
    person.set_unusable_password()
    person.last_login = None
    person.verified_at = None
    person.feed_token = new_secret()  # the old calendar feed URL stops working
    person.anonymised_at = now
    person.save()
    person.groups.clear()
    person.user_permissions.clear()
    person.api_tokens.all().delete()
    person.interests.all().delete()  # nobody to tell about new dates
    relabel_actor(person.pk, person.email)
    Booking.objects.filter(person=person).exclude(access_needs="").update(access_needs="")
    # The manager they named identifies them (and is someone else's address).
    Booking.objects.filter(person=person).exclude(manager_email="").update(manager_email="")
    # Ratings stay for the partnership's figures, anonymous with the booking; what the person
    # wrote in their own words may identify them, so it goes.
    EvaluationAnswer.objects.filter(evaluation__booking__person=person).exclude(text="").delete()
    _forget_in_admin_history(person)
    Notification.objects.filter(user=person).exclude(
        status__in=UNSENT_NOTIFICATION_STATUSES
    ).delete()
    return True


def export_personal_data(person: User, *, by: User) -> dict:
    """Everything held about the person, as a JSON-ready dict; the export is audited."""
    data = personal_data(person)
    record("privacy.exported", actor=by, target=person)
    return data


def personal_data(person: User) -> dict:
    """Build the subject access export: the person's own records and nobody else's."""
    bookings = (
        Booking.objects.filter(person=person)
        .select_related("session__event__programme", "session__venue", "evaluation")
        .prefetch_related("session__event__themes", "evaluation__answers__question")
        .order_by("session__starts_at", "id")
    )
    booking_ids = [str(pk) for pk in bookings.values_list("pk", flat=True)]
    audit = AuditEvent.objects.filter(
        Q(target_type=User._meta.label_lower, target_id=str(person.pk))
        | Q(target_type=Booking._meta.label_lower, target_id__in=booking_ids)
    ).order_by("at", "id")
    organisation = person.organisation
    data = {
        "exported_at": _when(timezone.now()),
        "about": (
            "Everything this service holds about you. Times are UK local times with their "
            "offset from UTC."
        ),
        "person": {
            "id": person.pk,
            "email": person.email,
            "full_name": person.full_name,
            "job_title": person.job_title,
            "organisation": (
                {"name": organisation.name, "sector": organisation.get_sector_display()}
                if organisation
                else None
            ),
            "roles": person.roles,
            "is_active": person.is_active,
            "date_joined": _when(person.date_joined),
            "last_login": _when(person.last_login),
            "verified_at": _when(person.verified_at),
            "anonymised_at": _when(person.anonymised_at),
            "external_trainer": person.external_trainer,
        },
        "bookings": [_booking(booking, person) for booking in bookings],
        "sessions_as_trainer": [
            _session(session)
            for session in person.trained_sessions.select_related(
                "event__programme", "venue"
            ).prefetch_related("event__themes")
        ],
        "api_tokens": [
            {
                "name": token.name,
                "prefix": token.prefix,
                "created_at": _when(token.created_at),
                "expires_at": _when(token.expires_at),
                "last_used_at": _when(token.last_used_at),
                "revoked_at": _when(token.revoked_at),
            }
            for token in person.api_tokens.all()
        ],
        "interests": [
            {
                "course": interest.event.title,
                "slug": interest.event.slug,
                "created_at": _when(interest.created_at),
                "notified_at": _when(interest.notified_at),
            }
            for interest in person.interests.select_related("event")
        ],
        "audit_events": [
            {
                "at": _when(event.at),
                "action": event.action,
                "about": f"{event.target_type}:{event.target_id}",
                "by_you": event.actor_ref == person.pk,
            }
            for event in audit
        ],
    }
    data["notifications"] = [
        {
            "kind": message.kind,
            "recipient": message.recipient,
            "subject": message.subject,
            "status": message.status,
            "created_at": _when(message.created_at),
            "sent_at": _when(message.sent_at),
            "booking": message.booking_id,
            "body_text": message.body_text,
            "attachment": message.attachment_name or None,
        }
        for message in Notification.objects.filter(user=person).order_by("created_at", "id")
    ]
    return data


def retention_policy() -> dict[str, int]:
    """The retention periods in days, for the privacy notice and the docs."""
    return {
        "access_needs_days": settings.RETENTION_ACCESS_NEEDS.days,
        "inactive_days": settings.RETENTION_INACTIVE.days,
        "unused_account_days": settings.RETENTION_UNUSED_ACCOUNT.days,
    }


def _booking(booking: Booking, person: User) -> dict:
    return {
        "id": booking.pk,
        "status": booking.status,
        "source": booking.source,
        "created_at": _when(booking.created_at),
        "confirmed_at": _when(booking.confirmed_at),
        "waitlisted_at": _when(booking.waitlisted_at),
        "cancelled_at": _when(booking.cancelled_at),
        "offer_expires_at": _when(booking.offer_expires_at),
        # Who else acted on the booking is their data, not this person's: only say whether
        # it was the person themself.
        "cancelled_by_you": (
            booking.cancelled_by_id == person.pk if booking.cancelled_at else None
        ),
        "late_cancellation": booking.late_cancellation,
        "attendance": booking.attendance,
        "attendance_marked_at": _when(booking.attendance_marked_at),
        # Whether the person marked themself attended with the check-in code.
        "checked_in_yourself": (
            booking.attendance_marked_by_id == person.pk if booking.attendance_marked_at else None
        ),
        "access_needs": booking.access_needs,
        # The line manager the person named for a course that needs approval.
        "manager_email": booking.manager_email,
        "approval_decided_at": _when(booking.approval_decided_at),
        "evaluation": _evaluation(booking),
        "session": _session(booking.session),
    }


def _evaluation(booking: Booking) -> dict | None:
    try:
        evaluation = booking.evaluation
    except Evaluation.DoesNotExist:
        return None
    return {
        "submitted_at": _when(evaluation.submitted_at),
        "answers": [
            {
                "question": answer.question.text,
                "rating": answer.rating,
                "text": answer.text,
            }
            for answer in evaluation.answers.all()
        ],
    }


def _session(session) -> dict:
    event = session.event
    return {
        "id": session.pk,
        "event": event.title,
        "programme": event.programme.title,
        "themes": [theme.title for theme in event.themes.all()],
        "starts_at": _when(session.starts_at),
        "ends_at": _when(session.ends_at),
        "delivery": session.delivery,
        "location": session.location_text,
        "status": session.status,
    }


def _when(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _forget_in_admin_history(person: User) -> None:
    """Replace the person's name in the admin's change history with their anonymous label."""
    label = anonymised_email(person)
    user_type = ContentType.objects.get_for_model(User)
    booking_type = ContentType.objects.get_for_model(Booking)
    booking_ids = [
        str(pk) for pk in Booking.objects.filter(person=person).values_list("pk", flat=True)
    ]
    LogEntry.objects.filter(
        Q(content_type=user_type, object_id=str(person.pk))
        | Q(content_type=booking_type, object_id__in=booking_ids)
    ).update(object_repr=label, change_message="")
