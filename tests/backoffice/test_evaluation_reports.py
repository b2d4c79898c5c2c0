"""Evaluation figures in the partnership report, the summaries, and the refreshers list."""

from datetime import timedelta

import pytest
from django.urls import reverse

from backoffice.reports import ReportFilters, partnership_report
from booking.services import submit_evaluation
from events.queries import evaluation_questions
from tests.factories import (
    OrganisationFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    book_three_days_before,
    local,
    mark_at_the_end,
)

pytestmark = pytest.mark.django_db


def evaluate(booking, before, after, useful, text=""):
    keys = {q.key: q.pk for q in evaluation_questions(None)}
    answers = {
        str(keys["confidence_before"]): before,
        str(keys["confidence_after"]): after,
        str(keys["usefulness"]): useful,
    }
    if text:
        answers[str(keys["do_differently"])] = text
    submit_evaluation(booking, by=booking.person, answers=answers)


@pytest.fixture
def evaluated(trainer):
    """One themed session: four attended (three evaluated), one absent."""
    theme = ThemeFactory(title="Child Exploitation", slug="child-exploitation")
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14),
        event__title="County lines",
        event__slug="county-lines",
        event__refresher_months=12,
    )
    session.event.themes.add(theme)
    session.trainers.add(trainer)
    people = [UserFactory(full_name=f"Person {n}") for n in range(5)]
    bookings = [book_three_days_before(session, person) for person in people]
    for booking in bookings[:4]:
        mark_at_the_end(booking, "attended", by=trainer)
    mark_at_the_end(bookings[4], "absent", by=trainer)
    evaluate(bookings[0], 2, 4, 5, "Ask about older friends.")
    evaluate(bookings[1], 3, 4, 4)
    evaluate(bookings[2], 4, 5, 4, "Share with the school.")
    return session


def test_report_shows_confidence_before_and_after(evaluated):
    report = partnership_report(ReportFilters(), now=local(2021, 8, 1, 9))

    assert report.evaluation.as_row() == ("All sessions", 3, 75, 3.0, 4.3, 4.3)
    assert report.evaluation.confidence_change == 1.3
    assert [row.as_row() for row in report.evaluation_by_theme] == [
        ("Child Exploitation", 3, 75, 3.0, 4.3, 4.3)
    ]


def test_report_page_says_how_confidence_changed(client, coordinator, evaluated):
    client.force_login(coordinator)

    page = client.get(reverse("staff:reports"))

    assert "Confidence rose from 3.0 to 4.3 on average." in page.text
    assert "3 from 4 people who attended (75%)" in page.text


def test_session_summary_for_its_trainer_without_names(client, trainer, evaluated):
    client.force_login(trainer)

    page = client.get(reverse("staff:session_evaluation", args=[evaluated.pk]))

    assert page.status_code == 200
    assert "3 of 4 people who attended answered (75%)." in page.text
    assert "3.0 out of 5 on average (3 answers)" in page.text
    assert "Ask about older friends." in page.text
    assert "Person 0" not in page.text


def test_session_summary_is_404_for_other_trainers(client, evaluated):
    client.force_login(UserFactory())

    assert client.get(reverse("staff:session_evaluation", args=[evaluated.pk])).status_code == 404


@pytest.mark.parametrize("query", ["course=county-lines", "theme=child-exploitation"])
def test_course_and_theme_summaries_for_coordinators(client, coordinator, evaluated, query):
    client.force_login(coordinator)

    page = client.get(f"{reverse('staff:evaluation_summaries')}?{query}")

    assert page.status_code == 200
    assert "Share with the school." in page.text
    assert "4.3 out of 5 on average (3 answers)" in page.text


def test_summaries_are_for_coordinators_only(client, trainer):
    client.force_login(trainer)

    assert client.get(reverse("staff:evaluation_summaries")).status_code == 403
    assert client.get(reverse("staff:refreshers")).status_code == 403


def test_refreshers_due_by_organisation_and_sector(client, coordinator, trainer, time_machine):
    session = SessionFactory(
        starts_at=local(2021, 1, 12, 10),
        ends_at=local(2021, 1, 12, 12),
        event__title="Neglect",
        event__refresher_months=12,
    )
    session.trainers.add(trainer)
    police = OrganisationFactory(name="Example Constabulary", sector="police")
    health = OrganisationFactory(name="Example NHS Trust", sector="health")
    for name, organisation in (("Dan Police", police), ("Hana Health", health)):
        booking = book_three_days_before(
            session, UserFactory(full_name=name, organisation=organisation)
        )
        mark_at_the_end(booking, "attended", by=trainer)
    time_machine.move_to(local(2022, 1, 20, 9) + timedelta(0), tick=False)
    client.force_login(coordinator)

    page = client.get(reverse("staff:refreshers"))

    assert page.status_code == 200
    assert "Example Constabulary (Police)" in page.text
    assert "Hana Health" in page.text
    assert "12 Jan 2022" in page.text
    assert page.text.count("Overdue</strong>") == 2
