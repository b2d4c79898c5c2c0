"""Line-manager approval: a pending request holds no place; the manager's links (scanner-safe,
14 days, one booking each) approve or decline; approval books through the normal rules."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.services import issue_api_token
from booking import approval, services
from booking.calendar import booking_vevent
from booking.models import Booking
from tests import factories

MANAGER = "manager@example.org"


@pytest.fixture
def course_session(db):
    return factories.SessionFactory(event__requires_approval=True, capacity=1)


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user)}")
    return client


def request_place(session, person, **extra):
    return api(person).post(
        f"/api/v1/sessions/{session.pk}/bookings/",
        {"manager_email": MANAGER, **extra},
        format="json",
    )


def test_the_api_needs_a_manager_email_and_answers_pending_approval(course_session, person):
    missing = api(person).post(f"/api/v1/sessions/{course_session.pk}/bookings/", {}, format="json")
    assert missing.status_code == 400
    assert missing.json()["code"] == "validation_error"
    assert "manager_email" in missing.json()["errors"]
    own = request_place(course_session, person, manager_email=person.email)
    assert own.status_code == 400
    assert not Booking.objects.exists()

    response = request_place(course_session, person)
    assert response.status_code == 201
    assert response.json()["status"] == "pending_approval"
    assert response.json()["waitlist_position"] is None
    session = api(person).get(f"/api/v1/sessions/{course_session.pk}/").json()
    assert session["places_left"] == 1  # holds no place
    event = api(person).get(f"/api/v1/events/{course_session.event.slug}/").json()
    assert event["requires_approval"] is True
    # Someone else can still take the place meanwhile.
    other = factories.UserFactory()
    assert request_place(course_session, other).json()["status"] == "pending_approval"


def test_the_manager_is_emailed_a_link(
    course_session, person, tasks_run_at_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_session(course_session, person=person, manager_email=MANAGER)
    [message] = mail.outbox
    assert message.to == [MANAGER]
    assert approval.approval_url(booking) in message.body
    assert person.full_name in message.subject


def link(booking):
    return reverse("approvals:decide", args=[booking.pk, approval.approval_token(booking)])


def test_opening_the_link_changes_nothing_and_approve_books(client, course_session, person):
    booking = services.book_session(course_session, person=person, manager_email=MANAGER)
    page = client.get(link(booking))
    assert page.status_code == 200
    assert "Approve or decline a training booking" in page.text
    assert Booking.objects.get().status == "pending_approval"  # a scanner's GET decides nothing

    assert client.post(link(booking), {"decision": "approve"}).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "confirmed"
    assert booking.approval_decided_at is not None
    assert "This booking was approved" in client.get(link(booking)).text


def test_a_reused_link_decides_nothing_again(client, course_session, person):
    booking = services.book_session(course_session, person=person, manager_email=MANAGER)
    client.post(link(booking), {"decision": "decline"})
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    again = client.post(link(booking), {"decision": "approve"})
    assert again.status_code == 409
    assert "already been decided" in again.text
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_an_expired_link_is_refused_but_a_coordinator_can_still_decide(
    client, course_session, person, coordinator
):
    asked = timezone.now() - timedelta(days=15)
    booking = services.book_session(course_session, person=person, manager_email=MANAGER, now=asked)
    page = client.get(link(booking))
    assert page.status_code == 410
    assert "This link has expired" in page.text
    assert client.post(link(booking), {"decision": "approve"}).status_code == 410
    booking.refresh_from_db()
    assert booking.status == "pending_approval"

    client.force_login(coordinator)
    listed = client.get(reverse("manage:approvals"))
    assert person.full_name in listed.text
    client.post(reverse("manage:decide_approval", args=[booking.pk]), {"decision": "approve"})
    booking.refresh_from_db()
    assert booking.status == "confirmed"


def test_a_link_opens_only_its_own_booking(client, course_session, person):
    mine = services.book_session(course_session, person=person, manager_email=MANAGER)
    theirs = services.book_session(
        course_session, person=factories.UserFactory(), manager_email=MANAGER
    )
    wrong = reverse("approvals:decide", args=[theirs.pk, approval.approval_token(mine)])
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, {"decision": "approve"}).status_code == 404
    altered = link(mine)[:-3] + "xyz/"
    assert client.get(altered).status_code == 404
    assert Booking.objects.filter(status="pending_approval").count() == 2


def test_approval_follows_the_rules_and_the_person_is_told(
    client, course_session, person, tasks_run_at_once, django_capture_on_commit_callbacks
):
    first = services.book_session(course_session, person=person, manager_email=MANAGER)
    second = services.book_session(
        course_session, person=factories.UserFactory(), manager_email=MANAGER
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link(first), {"decision": "approve"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link(second), {"decision": "approve"})
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("confirmed", "waitlisted")  # one place
    subjects = sorted(message.subject.split(":")[0] for message in mail.outbox)
    assert subjects == ["Booking confirmed", "You are on the waitlist"]


def test_a_declined_person_is_told(
    client, course_session, person, tasks_run_at_once, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book_session(course_session, person=person, manager_email=MANAGER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link(booking), {"decision": "decline"})
    [message] = mail.outbox
    assert message.subject.startswith("Not approved")
    assert person.email in message.to[0]


def test_courses_without_approval_ignore_a_manager_email(person):
    session = factories.SessionFactory()
    booking = services.book_session(session, person=person, manager_email=MANAGER)
    assert booking.status == "confirmed"
    assert booking.manager_email == ""


def test_a_pending_request_is_tentative_in_the_personal_feed(course_session, person):
    booking = services.book_session(course_session, person=person, manager_email=MANAGER)
    event = booking_vevent(booking)
    assert event["status"] == "TENTATIVE"
    assert str(event["summary"]).startswith("Awaiting approval")
