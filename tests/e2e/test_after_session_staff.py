"""axe-core and 320 px on the trainers' and coordinators' after-the-session pages."""

import pytest
from playwright.sync_api import expect

from booking.services import mark_attendance, submit_evaluation
from events.queries import evaluation_questions
from tests.e2e.helpers import axe_violations, has_horizontal_scroll, sign_in
from tests.factories import (
    CoordinatorFactory,
    SessionFactory,
    ThemeFactory,
    UserFactory,
    book_three_days_before,
    local,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("tasks_run_at_once"),
]


@pytest.fixture
def evaluated_session():
    theme = ThemeFactory(slug="voice", title="Voice of the Child")
    session = SessionFactory(
        starts_at=local(2021, 7, 12, 12),
        ends_at=local(2021, 7, 12, 14, 30),
        event__slug="voice-of-the-child",
        event__title="Hearing the voice of the child",
        event__refresher_months=1,
    )
    session.event.themes.add(theme)
    trainer = UserFactory(full_name="Terry Trainer")
    session.trainers.add(trainer)
    questions = evaluation_questions(session.event)
    for number in range(3):
        booking = book_three_days_before(session, UserFactory(full_name=f"Person {number}"))
        mark_attendance(booking, attendance="attended", by=trainer, now=session.ends_at)
        answers = {str(q.pk): 3 + number % 2 for q in questions if q.kind == "rating"}
        answers[str(questions[-1].pk)] = f"Answer number {number}"
        submit_evaluation(booking, by=booking.person, answers=answers)
    return session


def check(page, name: str) -> None:
    assert axe_violations(page) == [], name


def test_staff_after_session_pages_have_no_axe_violations(site, new_page, evaluated_session):
    trainer = evaluated_session.trainers.get()
    page = new_page()
    sign_in(page, site, trainer, next_url=f"/trainer/sessions/{evaluated_session.pk}/evaluation/")
    expect(page.get_by_text("3 of 3 people who attended answered")).to_be_visible()
    check(page, "session evaluation")

    coordinator = CoordinatorFactory()
    page = new_page()
    sign_in(page, site, coordinator, next_url="/reports/")
    pages = {
        "report with evaluation figures": "/reports/",
        "evaluation summaries": "/reports/evaluations/",
        "course summary": "/reports/evaluations/?course=voice-of-the-child",
        "theme summary": "/reports/evaluations/?theme=voice",
        "refreshers due": "/reports/refreshers/",
        "default questions": "/manage/evaluation/",
        "course questions": f"/manage/courses/{evaluated_session.event.pk}/evaluation/",
        "course form": f"/manage/courses/{evaluated_session.event.pk}/edit/",
    }
    narrow = []
    for name, path in pages.items():
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(site + path)
        check(page, name)
        page.set_viewport_size({"width": 320, "height": 640})
        if has_horizontal_scroll(page):
            narrow.append(name)
    assert narrow == []

    # A course's own questions, and an error state.
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(site + f"/manage/courses/{evaluated_session.event.pk}/evaluation/")
    page.get_by_role("button", name="Give this course its own questions").click()
    expect(page.get_by_text("This course now has its own questions.")).to_be_visible()
    check(page, "course's own questions")
    page.get_by_role("button", name="Add question").click()
    expect(page.get_by_text("There is a problem")).to_be_visible()
    check(page, "add question with errors")
    assert page.errors == []
