import json
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType

from accounts.models import ApiToken, User
from accounts.services import issue_api_token
from audit.models import AuditEvent
from booking import services
from booking.models import Booking, EvaluationAnswer
from common.errors import NotAllowed
from events.queries import evaluation_questions
from notifications.models import Notification
from privacy import services as privacy
from tests.factories import SessionFactory, ThemeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(session, person, trainer):
    """The person's past (attended, with access needs) and future bookings, beside someone else."""
    past = SessionFactory(starts_at=session.starts_at - timedelta(days=60))
    past.event.themes.add(ThemeFactory(title="Voice and Lived Experience of the Child"))
    past.trainers.add(trainer)
    attended = services.book_session(
        past,
        person=person,
        access_needs="Step-free access, please.",
        now=past.starts_at - timedelta(days=7),
    )
    services.mark_attendance(attended, attendance="attended", by=trainer, now=past.starts_at)
    other = UserFactory(full_name="Olive Otherperson", email="olive@example.org")
    services.book_session(
        past,
        person=other,
        access_needs="Olive's hearing loop",
        now=past.starts_at - timedelta(days=6),
    )
    upcoming = services.book_session(session, person=person, access_needs="Large print")
    return {"attended": attended, "upcoming": upcoming, "other": other}


def test_export_holds_every_personal_field(person, history):
    issue_api_token(person, name="My scripts")

    data = privacy.export_personal_data(person, by=person)

    assert data["person"] == {
        "id": person.pk,
        "email": person.email,
        "full_name": person.full_name,
        "job_title": "Social Worker",
        "organisation": {"name": person.organisation.name, "sector": "Children's social care"},
        "roles": ["practitioner"],
        "is_active": True,
        "date_joined": privacy._when(person.date_joined),
        "last_login": None,
        "verified_at": None,
        "anonymised_at": None,
        "external_trainer": False,
    }
    past, upcoming = data["bookings"]
    assert (past["status"], past["attendance"], past["access_needs"]) == (
        "confirmed",
        "attended",
        "Step-free access, please.",
    )
    assert past["session"]["themes"] == ["Voice and Lived Experience of the Child"]
    assert upcoming["access_needs"] == "Large print"
    assert upcoming["session"]["starts_at"].endswith(("+00:00", "+01:00"))
    assert [t["name"] for t in data["api_tokens"]] == ["My scripts"]
    personal_fields = {f.name for f in User._meta.concrete_fields} - {
        "password",  # a hash, not information about the person
        "feed_token",  # a secret, shown on the profile page
        "is_staff",
        "is_superuser",
    }
    exported = set(data["person"]) | {"organisation_id"} | {"organisation"}
    assert personal_fields - exported == set()
    booking_fields = {f.name for f in Booking._meta.concrete_fields} - {
        "person",
        "ical_uid",
        "ical_sequence",
        "cancelled_by",
        "attendance_marked_by",
        "session",
    }
    assert booking_fields - set(past) == set()


def test_export_holds_no_one_elses_data(person, history, trainer):
    text = json.dumps(privacy.export_personal_data(person, by=person))

    for foreign in ("Olive", "olive@example.org", "hearing loop", trainer.full_name, trainer.email):
        assert foreign not in text


def test_export_is_audited(person, coordinator):
    privacy.export_personal_data(person, by=coordinator)

    event = AuditEvent.objects.get(action="privacy.exported")
    assert (event.actor, event.target_id) == (coordinator, str(person.pk))


def test_export_lists_the_audit_trail_about_the_person(person, history, coordinator):
    services.cancel_booking(history["upcoming"], by=coordinator)

    data = privacy.export_personal_data(person, by=person)

    actions = [event["action"] for event in data["audit_events"]]
    assert actions == ["booking.attendance_marked", "booking.cancelled"]
    upcoming = data["bookings"][1]
    assert (upcoming["status"], upcoming["cancelled_by_you"]) == ("cancelled", False)


def test_erasure_cancels_future_bookings_and_promotes_the_waitlist(session, person, history):
    services.book_session(session, person=UserFactory())
    waiting = services.book_session(session, person=UserFactory())
    assert waiting.status == "waitlisted"

    erasure = privacy.erase_person(person, by=person)

    assert erasure.cancelled == [history["upcoming"].pk]
    history["upcoming"].refresh_from_db()
    waiting.refresh_from_db()
    assert history["upcoming"].status == "cancelled"
    assert waiting.status == "confirmed"


def test_erasure_tells_the_calendar_before_anonymising(session, person, history):
    email = person.email

    privacy.erase_person(person, by=person)

    # One cancellation for the one future booking, written while the address was known.
    assert list(
        Notification.objects.filter(user=person).values_list(
            "booking_id", "kind", "recipient", "calendar_method"
        )
    ) == [(history["upcoming"].pk, "booking_cancelled", email, "CANCEL")]


def test_erasure_anonymises_the_past_and_keeps_the_figures(person, history):
    organisation = person.organisation
    issue_api_token(person)

    privacy.erase_person(person, by=person)

    person.refresh_from_db()
    assert person.email == f"anonymised-{person.pk}@anonymised.invalid"
    assert (person.full_name, person.job_title, person.is_active) == ("", "", False)
    assert person.anonymised_at is not None
    assert person.organisation == organisation
    assert not ApiToken.objects.filter(user=person).exists()
    attended = Booking.objects.get(pk=history["attended"].pk)
    assert (attended.status, attended.attendance, attended.access_needs) == (
        "confirmed",
        "attended",
        "",
    )
    other = Booking.objects.get(person=history["other"])
    assert other.access_needs == "Olive's hearing loop"


def test_erased_person_cannot_sign_in_or_use_the_old_feed(person, history):
    feed_token = person.feed_token
    email = person.email

    privacy.erase_person(person, by=person)

    assert authenticate(email=email, password="correct horse battery staple") is None
    assert not User.objects.filter(feed_token=feed_token).exists()


def test_erasure_is_audited_and_happens_once(person, history, coordinator):
    privacy.erase_person(person, by=coordinator)
    again = privacy.erase_person(person, by=coordinator)

    assert again.cancelled == []
    event = AuditEvent.objects.get(action="privacy.erased")
    assert (event.actor, event.data) == (coordinator, {"cancelled": 1, "kept": 2})


def test_erasure_by_someone_else_is_refused(person):
    with pytest.raises(NotAllowed):
        privacy.erase_person(person, by=UserFactory())

    person.refresh_from_db()
    assert person.anonymised_at is None


def test_erasure_removes_the_name_from_admin_history(person, coordinator, history):
    LogEntry.objects.log_actions(
        user_id=coordinator.pk, queryset=[person], action_flag=CHANGE, change_message="Changed"
    )

    privacy.erase_person(person, by=person)

    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(User))
    assert entry.object_repr == f"anonymised-{person.pk}@anonymised.invalid"


@pytest.fixture
def outbox():
    return Notification


def message(outbox, person, status, number):
    return outbox.objects.create(
        kind="booking_confirmed",
        dedupe_key=f"test-{person.pk}-{number}",
        recipient=person.email,
        recipient_name=person.full_name,
        user=person,
        subject="Your place is confirmed",
        body_text=f"Dear {person.full_name}",
        body_html=f"<p>Dear {person.full_name}</p>",
        message_id=f"<test-{number}@example.org>",
        status=status,
    )


def test_export_includes_the_emails_sent(outbox, person):
    message(outbox, person, "sent", 1)
    message(outbox, UserFactory(), "sent", 2)

    data = privacy.export_personal_data(person, by=person)

    assert [(m["recipient"], m["subject"]) for m in data["notifications"]] == [
        (person.email, "Your place is confirmed")
    ]


def test_anonymising_deletes_sent_emails_but_not_those_still_to_go(outbox, person):
    message(outbox, person, "sent", 1)
    queued = message(outbox, person, "queued", 2)

    privacy.erase_person(person, by=person)

    assert list(outbox.objects.filter(user=person)) == [queued]


@pytest.mark.django_db(transaction=True)
def test_erasure_queues_the_cancellation_to_the_real_address(outbox):
    person = UserFactory()
    booking = services.book_session(SessionFactory(), person=person)
    email = person.email

    privacy.erase_person(person, by=person)

    cancellation = outbox.objects.get(booking=booking, kind="booking_cancelled")
    assert (cancellation.recipient, cancellation.calendar_method) == (email, "CANCEL")


def _evaluate(booking, text: str):
    answers = {str(q.pk): (4 if q.kind == "rating" else text) for q in evaluation_questions(None)}
    return services.submit_evaluation(booking, by=booking.person, answers=answers)


def test_export_includes_the_evaluation_and_self_check_in(person, history):
    _evaluate(history["attended"], "Talk to the school nurse sooner.")

    data = privacy.export_personal_data(person, by=person)

    past = data["bookings"][0]
    assert past["checked_in_yourself"] is False
    assert [(answer["rating"], answer["text"]) for answer in past["evaluation"]["answers"]] == [
        (4, ""),
        (4, ""),
        (4, ""),
        (None, "Talk to the school nurse sooner."),
    ]
    assert data["bookings"][1]["evaluation"] is None


def test_erasure_removes_evaluation_text_and_keeps_ratings(person, history):
    _evaluate(history["attended"], "My manager, Jo Bloggs, should come.")

    privacy.erase_person(person, by=person)

    assert sorted(
        (answer.rating, answer.text)
        for answer in EvaluationAnswer.objects.filter(evaluation__booking=history["attended"])
    ) == [(4, ""), (4, ""), (4, "")]


def test_anonymising_forgets_the_manager_they_named(db):
    from booking.services import book_session
    from privacy.services import anonymise_person
    from tests.factories import SessionFactory, UserFactory

    person = UserFactory()
    session = SessionFactory(event__requires_approval=True)
    booking = book_session(session, person=person, manager_email="boss@example.org")
    assert booking.manager_email == "boss@example.org"
    anonymise_person(person)
    booking.refresh_from_db()
    assert booking.manager_email == ""
