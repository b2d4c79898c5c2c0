"""Coordinators set a course's certificate rule, refresher period and evaluation questions."""

import pytest
from django.urls import reverse

from booking.services import mark_attendance, submit_evaluation
from events.models import EvaluationQuestion, Event
from events.queries import evaluation_questions
from tests.factories import ProgrammeFactory, SessionFactory, UserFactory, book_three_days_before

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, coordinator):
    client.force_login(coordinator)
    return client


def test_course_form_sets_the_certificate_rule_and_refresher(manager):
    programme = ProgrammeFactory()

    manager.post(
        reverse("manage:event_create"),
        {
            "programme": programme.pk,
            "title": "Child Exploitation",
            "slug": "child-exploitation",
            "certificate_requires_evaluation": "False",
            "refresher_months": "24",
        },
    )

    event = Event.objects.get(slug="child-exploitation")
    assert (event.certificate_requires_evaluation, event.refresher_months) == (False, 24)


def test_course_form_defaults_and_refuses_a_bad_refresher(manager):
    programme = ProgrammeFactory()
    data = {"programme": programme.pk, "title": "Neglect", "slug": "neglect"}

    refused = manager.post(reverse("manage:event_create"), data | {"refresher_months": "0"})
    manager.post(reverse("manage:event_create"), data)

    assert refused.status_code == 200
    assert "Enter at least 1 month" in refused.text
    event = Event.objects.get(slug="neglect")
    assert (event.certificate_requires_evaluation, event.refresher_months) == (True, None)


def test_a_course_gets_its_own_questions_then_changes_them(manager):
    event = SessionFactory().event
    page = reverse("manage:event_evaluation", args=[event.pk])

    shown = manager.get(page)
    manager.post(page, {"action": "own"})
    first, *_ = evaluation_questions(event)
    manager.post(page, {"action": "change", "question": first.pk, "text": "How sure were you?"})
    manager.post(page, {"action": "add", "text": "Was the room accessible?", "kind": "rating"})
    last = evaluation_questions(event)[-2]
    manager.post(page, {"action": "remove", "question": last.pk})

    assert "This course asks the partnership" in shown.text
    assert [(q.key, q.text, q.kind) for q in evaluation_questions(event)] == [
        ("confidence_before", "How sure were you?", "rating"),
        ("confidence_after", "After the session, how confident are you in this area?", "rating"),
        ("usefulness", "How useful was the session for your work?", "rating"),
        ("", "Was the room accessible?", "rating"),
    ]
    # The defaults are untouched.
    assert EvaluationQuestion.objects.filter(event=None).count() == 4


def test_an_answered_question_cannot_be_removed(manager, trainer):
    session = SessionFactory()
    session.trainers.add(trainer)
    booking = book_three_days_before(session, UserFactory())
    mark_attendance(booking, attendance="attended", by=trainer, now=session.ends_at)
    submit_evaluation(
        booking,
        by=booking.person,
        answers={str(q.pk): 3 for q in evaluation_questions(None) if q.kind == "rating"},
    )
    answered = evaluation_questions(None)[0]

    response = manager.post(
        reverse("manage:evaluation_defaults"), {"action": "remove", "question": answered.pk}
    )

    assert response.status_code == 400
    assert "People have answered this question" in response.text
    assert EvaluationQuestion.objects.filter(pk=answered.pk).exists()


def test_questions_page_is_for_coordinators_only(client, person):
    client.force_login(person)

    assert client.get(reverse("manage:evaluation_defaults")).status_code == 404
