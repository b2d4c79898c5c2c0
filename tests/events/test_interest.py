"""Register interest: "Tell me when new dates are added", and the one email per new session."""

from datetime import timedelta

import pytest
from django.urls import reverse

from events import services
from events.interest import remove_token
from events.models import Interest
from notifications.kinds import Kind
from notifications.models import Notification
from privacy.services import anonymise_person, personal_data
from tests import factories
from tests.smtp import parts

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return factories.EventFactory(title="Neglect Awareness")


def publish_session(course, coordinator, capture, **fields):
    with capture(execute=True):
        return services.create_session(
            event=course,
            by=coordinator,
            starts_at=factories.next_week_at(10),
            ends_at=factories.next_week_at(12),
            capacity=10,
            **fields,
        )


def test_each_interested_person_is_emailed_once_when_a_session_is_published(
    smtp, tasks_run_at_once, django_capture_on_commit_callbacks, course, coordinator
):
    sam = factories.UserFactory(email="sam@example.org", full_name="Sam Example")
    kit = factories.UserFactory(email="kit@example.org", full_name="Kit Example")
    factories.UserFactory(email="not-interested@example.org")
    for person in (sam, kit):
        services.register_interest(person=person, event=course)
    services.register_interest(person=sam, event=course)  # twice is still one interest

    session = publish_session(course, coordinator, django_capture_on_commit_callbacks)

    assert sorted(envelope.rcpt_tos[0] for envelope in smtp.inbox.envelopes) == [
        "kit@example.org",
        "sam@example.org",
    ]
    message = smtp.messages[0]
    assert message["Subject"] == "New dates for Neglect Awareness"
    text = parts(message)["text/plain"]
    assert f"/events/{course.slug}/" in text
    assert "/interest/" in text  # the remove link
    assert "/interest/" in parts(message)["text/html"]
    assert Interest.objects.filter(event=course, notified_at__isnull=False).count() == 2

    # Publishing the programme again (or saving again) sends nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        services.set_programme_published(course.programme, published=False, by=coordinator)
        services.set_programme_published(course.programme, published=True, by=coordinator)
    assert len(smtp.messages) == 2
    assert session.pk  # the session that was announced

    # A later new session is news again: one more email each.
    with django_capture_on_commit_callbacks(execute=True):
        services.duplicate_session(
            session,
            starts_at=session.starts_at + timedelta(days=7),
            ends_at=session.ends_at + timedelta(days=7),
            by=coordinator,
        )
    assert len(smtp.messages) == 4


def test_nothing_is_sent_for_an_unpublished_programme_until_it_is_published(
    smtp, tasks_run_at_once, django_capture_on_commit_callbacks, coordinator
):
    course = factories.EventFactory(programme__published=False)
    person = factories.UserFactory(email="ali@example.org")
    services.register_interest(person=person, event=course)
    publish_session(course, coordinator, django_capture_on_commit_callbacks)
    assert smtp.messages == []
    assert not Notification.objects.filter(kind=Kind.NEW_DATES).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.set_programme_published(course.programme, published=True, by=coordinator)
    assert [envelope.rcpt_tos for envelope in smtp.inbox.envelopes] == [["ali@example.org"]]


def test_a_duplicated_programme_tells_nobody_about_the_copy(
    tasks_stored, django_capture_on_commit_callbacks, course, coordinator
):
    factories.SessionFactory(event=course)
    services.register_interest(person=factories.UserFactory(), event=course)
    services.duplicate_programme(
        course.programme,
        starts_on=factories.next_week_at().date() + timedelta(days=60),
        slug="copy",
        title="Copy",
        by=coordinator,
    )
    assert not Notification.objects.filter(kind=Kind.NEW_DATES).exists()


def test_removing_interest_stops_the_email(tasks_stored, course, coordinator):
    person = factories.UserFactory()
    services.register_interest(person=person, event=course)
    assert services.remove_interest(person=person, event=course) is True
    assert services.remove_interest(person=person, event=course) is False
    services.create_session(
        event=course,
        by=coordinator,
        starts_at=factories.next_week_at(),
        ends_at=factories.next_week_at(13),
        capacity=5,
    )
    assert not Notification.objects.filter(kind=Kind.NEW_DATES).exists()


# The web: the course page's button, the account page, the email's remove link.


def test_the_course_page_offers_the_button_only_without_open_dates(client, course, person):
    client.force_login(person)
    url = reverse("events:event", args=[course.slug])
    page = client.get(url).content.decode()
    assert "Tell me when new dates are added" in page

    response = client.post(reverse("events:interest", args=[course.slug]))
    assert response.status_code == 302
    assert Interest.objects.filter(person=person, event=course).exists()
    page = client.get(url).content.decode()
    assert "We will email you when new dates for this course are added." in page

    factories.SessionFactory(event=factories.EventFactory(slug="other"))
    with_dates = factories.SessionFactory().event
    assert (
        "Tell me when new dates"
        not in client.get(reverse("events:event", args=[with_dates.slug])).content.decode()
    )


def test_anonymous_people_are_asked_to_sign_in(client, course):
    page = client.get(reverse("events:event", args=[course.slug])).content.decode()
    assert "to be emailed when new dates are added" in page
    response = client.post(reverse("events:interest", args=[course.slug]))
    assert response.status_code == 302
    assert "sign-in" in response["Location"]
    assert not Interest.objects.exists()


def test_the_account_page_lists_interests_with_remove_buttons(client, course, person):
    client.force_login(person)
    services.register_interest(person=person, event=course)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Neglect Awareness" in page
    assert 'Remove<span class="govuk-visually-hidden"> Neglect Awareness' in page
    response = client.post(
        reverse("events:interest", args=[course.slug]), {"action": "remove", "next": "account"}
    )
    assert response["Location"] == reverse("accounts:profile")
    assert not Interest.objects.exists()


def test_the_remove_link_changes_nothing_until_its_button_is_pressed(client, course, person):
    interest, _ = services.register_interest(person=person, event=course)
    url = reverse("events:interest_remove", args=[remove_token(interest)])
    page = client.get(url)  # a mail scanner, or the person, opening the link
    assert page.status_code == 200
    assert "Stop these emails" in page.content.decode()
    assert Interest.objects.filter(pk=interest.pk).exists()

    done = client.post(url)
    assert done.status_code == 200
    assert "You will not be emailed about new dates" in done.content.decode()
    assert not Interest.objects.filter(pk=interest.pk).exists()
    # The link used again, or altered, is a 404 page, not an error.
    assert client.get(url).status_code == 404
    assert client.get(url[:-3] + "xx/").status_code == 404
    assert client.post(url).status_code == 200


# Privacy.


def test_the_export_includes_interests_and_anonymising_removes_them(course, person):
    services.register_interest(person=person, event=course)
    data = personal_data(person)
    assert [(i["course"], i["slug"]) for i in data["interests"]] == [
        ("Neglect Awareness", course.slug)
    ]
    anonymise_person(person)
    assert not Interest.objects.filter(person=person).exists()
