"""After the session, through the booking rules: check-in, evaluation, certificates, refreshers."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEvent
from booking import errors, rules
from booking.certificates import certificate_for
from booking.models import Booking, Evaluation, EvaluationAnswer
from booking.queries import evaluation_summary, refreshers_due, training_record
from booking.services import cancel_session, check_in, mark_attendance, submit_evaluation
from common.errors import InvalidValue, NotAllowed
from events.models import EvaluationQuestion
from events.queries import evaluation_questions, refresher_due
from tests.factories import (
    SessionFactory,
    UserFactory,
    book_three_days_before,
    local,
    mark_at_the_end,
)

pytestmark = pytest.mark.django_db

STARTS = local(2021, 7, 12, 12)


@pytest.fixture
def course_session(trainer):
    """Monday 12 July 2021, 12:00 to 14:30 (UK time), with Terry Trainer."""
    session = SessionFactory(starts_at=STARTS, ends_at=STARTS + timedelta(hours=2, minutes=30))
    session.trainers.add(trainer)
    return session


@pytest.fixture
def booking(course_session, person):
    return book_three_days_before(course_session, person)


def default_answers(**overrides) -> dict:
    keys = {question.key: question for question in evaluation_questions(None)}
    answers = {
        str(keys["confidence_before"].pk): 2,
        str(keys["confidence_after"].pk): 4,
        str(keys["usefulness"].pk): 5,
        str(keys["do_differently"].pk): "Ask the child what they think first.",
    }
    for key, value in overrides.items():
        answers[str(keys[key].pk)] = value
    return answers


def attended(booking, trainer) -> Booking:
    return mark_at_the_end(booking, Booking.Attendance.ATTENDED, by=trainer)


# Check-in.


def test_check_in_code_is_six_unambiguous_characters_and_stable(course_session):
    code = rules.check_in_code(course_session)

    assert len(code) == 6
    assert set(code) <= set(rules.CHECK_IN_ALPHABET)
    assert rules.check_in_code(course_session) == code
    assert rules.check_in_code(SessionFactory()) != code


def test_check_in_window_runs_from_30_minutes_before_the_start_to_the_end(course_session):
    assert rules.check_in_window(course_session) == (
        local(2021, 7, 12, 11, 30),
        local(2021, 7, 12, 14, 30),
    )


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (local(2021, 7, 12, 11, 29), False),
        (local(2021, 7, 12, 11, 30), True),
        (local(2021, 7, 12, 14, 29), True),
        (local(2021, 7, 12, 14, 30), False),
    ],
)
def test_check_in_open_only_inside_the_window(course_session, moment, open_):
    assert rules.check_in_open(course_session, moment) is open_


def test_check_in_marks_the_person_attended(course_session, booking, person):
    code = rules.check_in_code(course_session)

    checked_in = check_in(
        course_session, person=person, code=code.lower(), now=local(2021, 7, 12, 11, 45)
    )

    booking.refresh_from_db()
    assert checked_in.pk == booking.pk
    assert (booking.attendance, booking.attendance_marked_by, booking.attendance_marked_at) == (
        "attended",
        person,
        local(2021, 7, 12, 11, 45),
    )
    assert AuditEvent.objects.filter(action="booking.attendance_marked").count() == 1


def test_check_in_again_changes_nothing(course_session, booking, person):
    code = rules.check_in_code(course_session)
    check_in(course_session, person=person, code=code, now=local(2021, 7, 12, 11, 45))

    check_in(course_session, person=person, code=code, now=local(2021, 7, 12, 13))

    booking.refresh_from_db()
    assert booking.attendance_marked_at == local(2021, 7, 12, 11, 45)
    assert AuditEvent.objects.filter(action="booking.attendance_marked").count() == 1


@pytest.mark.parametrize(
    "moment", [local(2021, 7, 12, 11, 29), local(2021, 7, 12, 14, 30), local(2021, 7, 13, 12)]
)
def test_check_in_outside_the_window_is_closed_even_with_a_wrong_code(
    course_session, booking, person, moment
):
    # The window is checked first: a replayed code after the session is refused as closed.
    for code in (rules.check_in_code(course_session), "WRONG1"):
        with pytest.raises(errors.CheckInClosed):
            check_in(course_session, person=person, code=code, now=moment)

    booking.refresh_from_db()
    assert booking.attendance == "unmarked"


def test_check_in_with_another_sessions_code_is_invalid(course_session, booking, person):
    other = SessionFactory(starts_at=STARTS, ends_at=STARTS + timedelta(hours=1))

    with pytest.raises(errors.InvalidCode) as refused:
        check_in(
            course_session,
            person=person,
            code=rules.check_in_code(other),
            now=local(2021, 7, 12, 12),
        )

    assert (refused.value.code, refused.value.status) == ("invalid_code", 400)
    booking.refresh_from_db()
    assert booking.attendance == "unmarked"


def test_check_in_without_a_booking_is_refused(course_session):
    stranger = UserFactory()

    with pytest.raises(errors.NotConfirmed):
        check_in(
            course_session,
            person=stranger,
            code=rules.check_in_code(course_session),
            now=local(2021, 7, 12, 12),
        )

    assert not Booking.objects.filter(person=stranger).exists()


def test_check_in_on_the_waitlist_is_refused(trainer):
    session = SessionFactory(starts_at=STARTS, ends_at=STARTS + timedelta(hours=1), capacity=1)
    book_three_days_before(session, UserFactory())
    waiting = book_three_days_before(session, UserFactory())

    with pytest.raises(errors.NotConfirmed):
        check_in(
            session,
            person=waiting.person,
            code=rules.check_in_code(session),
            now=STARTS,
        )


def test_check_in_to_a_cancelled_session_is_closed(course_session, booking, person, coordinator):
    cancel_session(course_session, by=coordinator)

    with pytest.raises(errors.CheckInClosed):
        check_in(
            course_session,
            person=person,
            code=rules.check_in_code(course_session),
            now=STARTS,
        )


# Evaluation.


def test_default_questions_are_asked_by_a_course_without_its_own(course_session):
    questions = evaluation_questions(course_session.event)

    assert [(q.key, q.kind) for q in questions] == [
        ("confidence_before", "rating"),
        ("confidence_after", "rating"),
        ("usefulness", "rating"),
        ("do_differently", "text"),
    ]
    assert questions[3].text == "What will you do differently?"


def test_a_course_with_its_own_questions_asks_only_those(course_session):
    own = EvaluationQuestion.objects.create(
        event=course_session.event, text="Was the venue accessible?", kind="rating"
    )

    assert evaluation_questions(course_session.event) == [own]


def test_evaluation_needs_attendance(booking, person):
    with pytest.raises(errors.NotAttended):
        submit_evaluation(booking, by=person, answers=default_answers())

    assert not Evaluation.objects.exists()


def test_evaluation_is_stored_once_per_booking(booking, person, trainer):
    attended(booking, trainer)

    evaluation = submit_evaluation(
        booking, by=person, answers=default_answers(), now=local(2021, 7, 12, 14, 35)
    )
    with pytest.raises(errors.AlreadySubmitted):
        submit_evaluation(booking, by=person, answers=default_answers(usefulness=1))

    assert evaluation.submitted_at == local(2021, 7, 12, 14, 35)
    assert sorted(
        (answer.question.key, answer.rating, answer.text)
        for answer in EvaluationAnswer.objects.all()
    ) == [
        ("confidence_after", 4, ""),
        ("confidence_before", 2, ""),
        ("do_differently", None, "Ask the child what they think first."),
        ("usefulness", 5, ""),
    ]


def test_the_database_refuses_a_second_evaluation(booking, person, trainer):
    attended(booking, trainer)
    submit_evaluation(booking, by=person, answers=default_answers())

    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(booking=booking, submitted_at=STARTS)


def test_text_answers_are_optional(booking, person, trainer):
    attended(booking, trainer)
    answers = default_answers()
    del answers[str(evaluation_questions(None)[3].pk)]

    submit_evaluation(booking, by=person, answers=answers)

    assert EvaluationAnswer.objects.count() == 3


@pytest.mark.parametrize(
    "bad",
    [
        {"confidence_after": 0},
        {"confidence_after": 6},
        {"confidence_after": "4"},
        {"confidence_after": True},
        {"confidence_after": 3.5},
        {"confidence_after": None},
        {"do_differently": 5},
        {"do_differently": "x" * 2001},
    ],
)
def test_answers_out_of_range_or_missing_write_nothing(booking, person, trainer, bad):
    attended(booking, trainer)

    with pytest.raises(InvalidValue) as refused:
        submit_evaluation(booking, by=person, answers=default_answers(**bad))

    assert refused.value.code == "validation_error"
    assert refused.value.status == 400
    [problem] = refused.value.errors
    assert problem == str({q.key: q.pk for q in evaluation_questions(None)}[next(iter(bad))])
    assert not Evaluation.objects.exists()


def test_unknown_questions_are_refused(booking, person, trainer):
    attended(booking, trainer)

    with pytest.raises(InvalidValue) as refused:
        submit_evaluation(booking, by=person, answers={**default_answers(), "999999": 3})

    assert refused.value.code == "validation_error"
    assert "999999" in refused.value.errors
    assert not Evaluation.objects.exists()


def test_someone_else_cannot_evaluate_a_booking(booking, trainer):
    attended(booking, trainer)

    with pytest.raises(NotAllowed) as refused:
        submit_evaluation(booking, by=UserFactory(), answers=default_answers())

    assert refused.value.code == "permission_denied"
    assert not Evaluation.objects.exists()


def test_evaluation_summary_counts_means_and_text_without_names(course_session, trainer):
    ratings = [(2, 4, 5, "Share sooner."), (3, 4, 4, ""), (4, 5, 5, "Ask the child.")]
    for before, after, useful, text in ratings:
        booking = attended(book_three_days_before(course_session, UserFactory()), trainer)
        answers = default_answers(
            confidence_before=before, confidence_after=after, usefulness=useful
        )
        answers[str(evaluation_questions(None)[3].pk)] = text
        submit_evaluation(booking, by=booking.person, answers=answers)
    attended(book_three_days_before(course_session, UserFactory()), trainer)  # no answers

    summary = evaluation_summary(Booking.objects.filter(session=course_session))

    assert (summary.attended, summary.responses, summary.response_rate) == (4, 3, 75)
    assert [(q.text, q.count, q.mean, q.answers) for q in summary.questions] == [
        ("Before the session, how confident were you in this area?", 3, 3.0, []),
        ("After the session, how confident are you in this area?", 3, 4.3, []),
        ("How useful was the session for your work?", 3, 4.7, []),
        ("What will you do differently?", 2, None, ["Ask the child.", "Share sooner."]),
    ]


# Certificates.


def test_certificate_waits_for_the_evaluation_by_default(booking, person, trainer):
    with pytest.raises(errors.NotAttended):
        certificate_for(booking)
    attended(booking, trainer)
    with pytest.raises(errors.EvaluationRequired):
        certificate_for(booking)

    submit_evaluation(booking, by=person, answers=default_answers())

    assert certificate_for(booking).startswith(b"%PDF")


def test_certificate_without_evaluation_where_the_course_allows(booking, trainer):
    booking.session.event.certificate_requires_evaluation = False
    booking.session.event.save()
    attended(booking, trainer)

    assert certificate_for(booking).startswith(b"%PDF")


def test_certificate_available_while_the_session_runs(course_session, booking, person):
    check_in(course_session, person=person, code=rules.check_in_code(course_session), now=STARTS)
    submit_evaluation(booking, by=person, answers=default_answers(), now=STARTS)

    assert certificate_for(booking).startswith(b"%PDF")


def test_no_certificate_for_an_absent_person(booking, trainer):
    mark_attendance(booking, attendance="absent", by=trainer, now=booking.session.ends_at)

    with pytest.raises(errors.NotAttended):
        certificate_for(booking)


# Refreshers and the training record.


@pytest.mark.parametrize(
    ("starts", "months", "due"),
    [
        (local(2021, 7, 12, 12), 12, date(2022, 7, 12)),
        (local(2021, 8, 31, 10), 6, date(2022, 2, 28)),  # clamped to February's last day
        (local(2023, 8, 31, 10), 6, date(2024, 2, 29)),  # a leap year
        (local(2024, 2, 29, 10), 12, date(2025, 2, 28)),
        (local(2024, 2, 29, 10), 48, date(2028, 2, 29)),
        (local(2021, 1, 31, 10), 1, date(2021, 2, 28)),
        (local(2021, 3, 31, 10), 1, date(2021, 4, 30)),
        (local(2021, 11, 30, 10), 3, date(2022, 2, 28)),
        (local(2021, 12, 15, 10), 1, date(2022, 1, 15)),
        # 00:30 on 1 April in London is still 31 March in UTC: the UK date counts.
        (local(2021, 4, 1, 0, 30), 1, date(2021, 5, 1)),
    ],
)
def test_refresher_due_is_the_uk_start_date_plus_months_clamped(starts, months, due):
    session = SessionFactory(
        starts_at=starts, ends_at=starts + timedelta(hours=1), event__refresher_months=months
    )

    assert refresher_due(session) == due


def test_no_refresher_without_refresher_months(course_session):
    assert refresher_due(course_session) is None


def test_training_record_lists_attended_sessions_with_hours_and_refreshers(
    course_session, booking, person, trainer
):
    course_session.event.refresher_months = 12
    course_session.event.save()
    attended(booking, trainer)
    other = SessionFactory(starts_at=local(2021, 6, 1, 10), ends_at=local(2021, 6, 1, 11))
    other.trainers.add(trainer)
    absent = book_three_days_before(other, person)
    mark_attendance(absent, attendance="absent", by=trainer, now=other.ends_at)

    [row] = training_record(person)

    assert (row.booking, row.hours, row.certificate_available, row.refresher_due) == (
        booking,
        Decimal("2.50"),
        False,
        date(2022, 7, 12),
    )


def test_refreshers_due_lists_the_latest_attendance_per_course(trainer):
    first = SessionFactory(
        starts_at=local(2020, 9, 1, 10),
        ends_at=local(2020, 9, 1, 12),
        event__refresher_months=12,
    )
    first.trainers.add(trainer)
    later = SessionFactory(
        event=first.event, starts_at=local(2021, 3, 1, 10), ends_at=local(2021, 3, 1, 12)
    )
    later.trainers.add(trainer)
    renewed, overdue = UserFactory(), UserFactory()
    attended(book_three_days_before(first, renewed), trainer)
    attended(book_three_days_before(later, renewed), trainer)
    attended(book_three_days_before(first, overdue), trainer)

    rows = refreshers_due(now=local(2021, 9, 10, 9))

    assert [(row.booking.person, row.due, row.overdue) for row in rows] == [
        (overdue, date(2021, 9, 1), True)
    ]


def test_defaults_come_back_if_the_database_lost_them(booking, person, trainer):
    EvaluationQuestion.objects.filter(event=None).delete()
    attended(booking, trainer)

    with pytest.raises(InvalidValue):
        submit_evaluation(booking, by=person, answers={})

    assert [q.key for q in evaluation_questions(booking.session.event)] == [
        "confidence_before",
        "confidence_after",
        "usefulness",
        "do_differently",
    ]
    assert not Evaluation.objects.exists()
