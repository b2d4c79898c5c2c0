from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record
from common.errors import DomainError, InvalidValue
from events import interest
from events.models import EvaluationQuestion, Event, Interest, Programme, Session, Theme, Venue


def create_session(*, event, by, trainers=(), notify=True, **fields) -> Session:
    """Schedule a new session of an event after validating it like the admin does.

    When the course is published, everyone interested in it is emailed (once per interest and
    new session; ``events.interest``)."""
    session = Session(event=event, **fields)
    validate_session(session)
    with transaction.atomic():
        session.save()
        session.trainers.set(trainers)
        record("session.created", actor=by, target=session)
        if notify and session.event.programme.published:
            interest.notify_new_dates(session.event)
    return session


def validate_session(session: Session) -> None:
    """Run the model's validation and turn its errors into one domain error."""
    try:
        # The model's clean() states the check constraints in words and the calendar UID is not
        # editable, so the database is not asked again for either (the constraints stay).
        session.full_clean(exclude=["trainers"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidValue(
            "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            ),
            errors=error.message_dict,
        ) from error


# Copied to a duplicate; everything else (status, calendar identity, bookings) starts afresh.
COPIED_FIELDS = (
    "delivery",
    "venue",
    "join_url",
    "capacity",
    "waitlist_enabled",
    "waitlist_limit",
    "notes",
    "promotion",
    "offer_hours",
    "sector_quotas",
)


def duplicate_session(
    session: Session, *, starts_at: datetime, ends_at: datetime, by, event: Event | None = None
) -> Session:
    """Schedule a copy of the session at a new time, with the same trainers and settings.

    A booking window moves with the session, so it opens and closes as long before the new
    start as it did before the old one.
    """
    shift = starts_at - session.starts_at
    window = {
        name: getattr(session, name) + shift
        for name in ("booking_opens_at", "booking_closes_at", "quota_release_at")
        if getattr(session, name) is not None
    }
    return create_session(
        event=event or session.event,
        by=by,
        trainers=list(session.trainers.all()),
        starts_at=starts_at,
        ends_at=ends_at,
        **{name: getattr(session, name) for name in COPIED_FIELDS},
        **window,
    )


# Programmes and courses.

PROGRAMME_FIELDS = ("slug", "title", "summary", "starts_on", "ends_on")
EVENT_FIELDS = (
    "programme",
    "slug",
    "title",
    "summary",
    "description",
    "audience",
    "learning_outcomes",
    "requires_approval",
    "certificate_requires_evaluation",
    "refresher_months",
)


def _validated(instance, *, exclude=()) -> None:
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise InvalidValue(
            "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
            ),
            errors=error.message_dict,
        ) from error


def _save(model, instance, *, allowed, by, fields, after_save=None):
    """Create (``instance`` None) or change one catalogue record through the model's own
    validation, audited as ``<model>.created`` or ``<model>.changed``."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise InvalidValue(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    created = instance is None
    instance = instance or model()
    for name, value in fields.items():
        setattr(instance, name, value)
    _validated(instance)
    with transaction.atomic():
        instance.save()
        if after_save:
            after_save(instance)
        action = "created" if created else "changed"
        record(f"{model._meta.model_name}.{action}", actor=by, target=instance)
    return instance


def save_programme(programme: Programme | None, *, by, **fields) -> Programme:
    """Create a programme (unpublished) or change one; the slug must be unused."""
    return _save(Programme, programme, allowed=PROGRAMME_FIELDS, by=by, fields=fields)


def set_programme_published(programme: Programme, *, published: bool, by) -> Programme:
    """Publish a programme (its courses and sessions appear and open for booking) or take it
    down again (they disappear from the site; bookings already made stay)."""
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        if programme.published != published:
            programme.published = published
            programme.save(update_fields=["published", "updated_at"])
            record(
                "programme.published" if published else "programme.unpublished",
                actor=by,
                target=programme,
            )
            if published:
                for event in programme.events.all():
                    interest.notify_new_dates(event)
    return programme


def save_event(event: Event | None, *, by, themes=None, **fields) -> Event:
    """Create a course or change one; ``themes`` (if given) replaces its themes."""

    def set_themes(event):
        if themes is not None:
            event.themes.set(themes)

    return _save(Event, event, allowed=EVENT_FIELDS, by=by, fields=fields, after_save=set_themes)


def shift_days(moment: datetime, days: int) -> datetime:
    """The same UK wall-clock time ``days`` later (12:00 stays 12:00 across a clock change)."""
    local = timezone.localtime(moment)
    moved = datetime.combine(local.date() + timedelta(days=days), local.time())
    return timezone.make_aware(moved, timezone.get_default_timezone())


def duplicate_programme(
    programme: Programme, *, starts_on: date, slug: str, title: str, by
) -> Programme:
    """Copy a programme to new dates: its courses, and each course's sessions that were not
    cancelled, moved by the same number of days at the same UK time. The copy is unpublished,
    so it can be checked before anyone sees it; it starts with no bookings.

    Course slugs get the new programme's slug as a suffix, since slugs are unique.
    """
    origin = programme.starts_on or _first_day(programme)
    if origin is None:
        raise InvalidValue("The programme has no dates or sessions to move.")
    days = (starts_on - origin).days
    with transaction.atomic():
        copy = save_programme(
            None,
            by=by,
            slug=slug,
            title=title,
            summary=programme.summary,
            starts_on=starts_on,
            ends_on=programme.ends_on + timedelta(days=days) if programme.ends_on else None,
        )
        for event in programme.events.prefetch_related("themes", "sessions__trainers"):
            new_event = save_event(
                None,
                by=by,
                themes=list(event.themes.all()),
                programme=copy,
                slug=f"{event.slug}-{slug}"[:100],
                title=event.title,
                summary=event.summary,
                description=event.description,
                audience=event.audience,
                learning_outcomes=event.learning_outcomes,
            )
            for session in event.sessions.all():
                if session.is_cancelled:
                    continue
                starts_at = shift_days(session.starts_at, days)
                # Made for the new (unpublished) course straight away, so nobody interested
                # in the original course is told about the copy's dates.
                duplicate_session(
                    session,
                    event=new_event,
                    starts_at=starts_at,
                    ends_at=starts_at + session.duration,
                    by=by,
                )
        record("programme.duplicated", actor=by, target=copy, source=programme.pk)
    return copy


def _first_day(programme: Programme) -> date | None:
    first = Session.objects.filter(event__programme=programme).order_by("starts_at").first()
    return timezone.localdate(first.starts_at) if first else None


VENUE_FIELDS = ("name", "address", "postcode", "accessibility")


def save_venue(venue: Venue | None, *, by, **fields) -> Venue:
    """Add a venue or change one. A changed venue reaches calendars on the sessions' next change
    (their feeds show it at once); the address people were sent is not resent."""
    return _save(Venue, venue, allowed=VENUE_FIELDS, by=by, fields=fields)


# Evaluation questions (coordinators).


class QuestionAnswered(DomainError):
    code = "question_answered"
    default_detail = (
        "People have answered this question, so it cannot be removed. You can change its wording."
    )


def use_own_questions(event: Event, *, by) -> list[EvaluationQuestion]:
    """Give a course its own copy of the default questions (keys kept, so the reports still
    compare confidence before and after), to change from there. Does nothing if it has some."""
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        if not EvaluationQuestion.objects.filter(event=event).exists():
            for default in EvaluationQuestion.objects.filter(event__isnull=True):
                EvaluationQuestion.objects.create(
                    event=event,
                    key=default.key,
                    text=default.text,
                    kind=default.kind,
                    position=default.position,
                )
            record("event.evaluation_questions_copied", actor=by, target=event)
    return list(EvaluationQuestion.objects.filter(event=event))


def add_evaluation_question(event: Event | None, *, text: str, kind: str, by) -> EvaluationQuestion:
    """Add a question at the end of a course's evaluation (``event`` None: the defaults)."""
    if event is not None:
        use_own_questions(event, by=by)
    last = EvaluationQuestion.objects.filter(event=event).order_by("-position").first()
    question = EvaluationQuestion(
        event=event, text=text.strip(), kind=kind, position=(last.position + 1) if last else 1
    )
    _validated(question)
    question.save()
    record("evaluation_question.added", actor=by, target=question)
    return question


def change_evaluation_question(question: EvaluationQuestion, *, text: str, by) -> None:
    """Reword a question; its answers so far stay with it."""
    question.text = text.strip()
    _validated(question)
    question.save(update_fields=["text"])
    record("evaluation_question.changed", actor=by, target=question)


def remove_evaluation_question(question: EvaluationQuestion, *, by) -> None:
    """Stop asking a question. One that has answers stays, or its answers would lose meaning."""
    if question.answers.exists():
        raise QuestionAnswered()
    siblings = EvaluationQuestion.objects.filter(event=question.event_id)
    if question.event_id is None and siblings.count() == 1:
        raise InvalidValue("The default evaluation needs at least one question.")
    record("evaluation_question.removed", actor=by, target=question)
    question.delete()


THEME_FIELDS = ("slug", "title", "description")


def save_theme(theme: Theme | None, *, by, **fields) -> Theme:
    """Add a practice theme or change one."""
    return _save(Theme, theme, allowed=THEME_FIELDS, by=by, fields=fields)


# Register interest ("Tell me when new dates are added").


def register_interest(*, person, event: Event) -> tuple[Interest, bool]:
    """Ask to be emailed when new dates of ``event`` are published; asking again changes
    nothing (the second value says whether it was new)."""
    interest, created = Interest.objects.get_or_create(person=person, event=event)
    if created:
        record("interest.registered", actor=person, target=event)
    return interest, created


def remove_interest(*, person, event: Event) -> bool:
    """Stop the emails about new dates of ``event``; removing twice is no error."""
    deleted, _ = Interest.objects.filter(person=person, event=event).delete()
    if deleted:
        record("interest.removed", actor=person, target=event)
    return bool(deleted)
