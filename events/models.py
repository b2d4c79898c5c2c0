import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.models import Sector

# A booking window may open at most this long before the session.
MAX_BOOKING_LEAD = timedelta(days=2 * 365)
# Sector quotas stop applying this long before the start, unless the session says otherwise.
QUOTA_RELEASE_LEAD = timedelta(days=7)
# An offer of a freed place is held for at most this long (two weeks).
MAX_OFFER_HOURS = 14 * 24
# The most places (or waitlist places) a session may have; the API and the Manage forms share it.
MAX_PLACES = 100_000


def describe_duration(duration: timedelta) -> str:
    """Say a length of time in words, as a CPD record does: "2 hours 30 minutes"."""
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def quota_problems(quotas, capacity) -> list[str]:
    """What is wrong with a session's ``sector_quotas`` (empty when nothing is)."""
    if not isinstance(quotas, list):
        return ["Give a list of sectors with their places."]
    problems = []
    seen = set()
    for quota in quotas:
        if not isinstance(quota, dict) or set(quota) - {"sector", "places", "confirmed"}:
            problems.append('Each quota is {"sector": ..., "places": ...}.')
            continue
        sector, places = quota.get("sector"), quota.get("places")
        if sector not in Sector.values:
            problems.append(f"{sector!r} is not a sector. Use one of: {', '.join(Sector.values)}.")
        elif sector in seen:
            problems.append(f"{Sector(sector).label} has more than one quota.")
        seen.add(sector)
        if not isinstance(places, int) or isinstance(places, bool) or places < 1:
            problems.append("Reserved places must be a whole number of at least 1.")
    if problems:
        return problems
    total = sum(quota["places"] for quota in quotas)
    if capacity is not None and total > capacity:
        problems.append(
            f"The reserved places add up to {total}, more than the capacity of {capacity}."
        )
    return problems


class Venue(models.Model):
    name = models.CharField(max_length=200)
    address = models.TextField(help_text="Postal address, one line per line.")
    postcode = models.CharField(max_length=10, blank=True)
    accessibility = models.TextField(
        blank=True, help_text="Step-free access, hearing loop, parking, nearest station..."
    )
    # Calendar feeds use the latest change of every row they show for ETag / Last-Modified.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_line(self) -> str:
        parts = [self.name, *self.address.splitlines(), self.postcode]
        return ", ".join(p.strip() for p in parts if p.strip())


class ProgrammeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Programme(models.Model):
    """A set of events published together, e.g. "Safeguarding Awareness Week 2021"."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    published = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on"))
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True),
                name="programme_ends_after_starts",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The programme must end on or after its start."})


class Theme(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(programme__published=True)

    def with_theme(self, theme):
        """Events of a theme (a Theme or its slug), as a subquery so that a join cannot
        multiply counts or hide the events' other themes."""
        themed = Event.objects.filter(
            **{"themes__slug" if isinstance(theme, str) else "themes": theme}
        )
        return self.filter(pk__in=themed.values("pk"))


class Event(models.Model):
    """A course or an awareness-week topic; it runs as one or more sessions."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    audience = models.TextField(blank=True, help_text="Who the event is for.")
    learning_outcomes = models.TextField(blank=True, help_text="One outcome per line.")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="events")
    themes = models.ManyToManyField(Theme, blank=True, related_name="events")
    requires_approval = models.BooleanField(
        default=False,
        help_text="People name their line manager, who approves or declines the booking "
        "before a place is given.",
    )
    certificate_requires_evaluation = models.BooleanField(
        default=True,
        help_text="The certificate of attendance unlocks once the evaluation is submitted.",
    )
    refresher_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="Months after a session before the training should be refreshed; empty for "
        "never.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def learning_outcome_list(self) -> list[str]:
        return [line.strip() for line in self.learning_outcomes.splitlines() if line.strip()]


class SessionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(event__programme__published=True)

    def with_theme(self, theme):
        """Sessions of events of a theme (a Theme or its slug); see ``EventQuerySet.with_theme``."""
        return self.filter(event__in=Event.objects.all().with_theme(theme))

    def scheduled(self):
        return self.filter(status=Session.Status.SCHEDULED)

    def not_ended(self, now=None):
        return self.filter(ends_at__gt=now or timezone.now())

    def for_trainer(self, user):
        return self.filter(trainers=user)


class Session(models.Model):
    """One dated occurrence of an event, with its own places, trainers and calendar identity."""

    class Delivery(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "Hybrid"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    class Promotion(models.TextChoices):
        AUTOMATIC = "automatic", "Automatic: the next person on the waitlist gets the place"
        OFFER = "offer", "Offer: the next person is offered the place for a while"

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.IN_PERSON)
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions"
    )
    join_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="Online joining link: shown only to booked attendees, trainers and coordinators.",
    )
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    waitlist_enabled = models.BooleanField(default=True)
    waitlist_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most people on the waitlist; empty for no limit."
    )
    booking_opens_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: booking is open as soon as it is published."
    )
    booking_closes_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: booking closes when the session starts."
    )
    promotion = models.CharField(
        max_length=16,
        choices=Promotion.choices,
        default=Promotion.AUTOMATIC,
        help_text="What happens to a freed place: the head of the waitlist gets it at once, "
        "or is offered it for a while and accepts or declines.",
    )
    offer_hours = models.PositiveIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFER_HOURS)],
        help_text="How long an offered place is held (hours). With less time than this before "
        "booking closes, a freed place is confirmed at once.",
    )
    sector_quotas = models.JSONField(
        default=list,
        blank=True,
        help_text='Places reserved per sector until the release, e.g. [{"sector": "police", '
        '"places": 4}]. Sectors are the organisation sectors; the places add up to at most '
        "the capacity.",
    )
    quota_release_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When reserved places no longer apply. Empty: 7 days before the start.",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    cancellation_reason = models.TextField(blank=True)
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="trained_sessions"
    )
    notes = models.TextField(blank=True, help_text="Shown on the session page.")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text="Calendar SEQUENCE; raised on significant changes."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="session_capacity_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.event.title} — {local:%a %d %b %Y %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("events:session", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The session must end after it starts."
        if self.capacity is not None and self.capacity < 1:
            errors["capacity"] = "A session needs at least one place."
        if self.starts_at:
            opens, closes = self.booking_opens_at, self.booking_closes_at
            if opens and closes and closes <= opens:
                errors["booking_closes_at"] = "Booking must close after it opens."
            if closes and self.ends_at and closes > self.ends_at:
                errors["booking_closes_at"] = "Booking cannot close after the session ends."
            if opens and opens < self.starts_at - MAX_BOOKING_LEAD:
                errors["booking_opens_at"] = "Booking can open at most two years ahead."
            if opens and opens >= self.starts_at:
                errors["booking_opens_at"] = "Booking must open before the session starts."
        quota_errors = quota_problems(self.sector_quotas, self.capacity)
        if quota_errors:
            errors["sector_quotas"] = quota_errors
        if errors:
            raise ValidationError(errors)

    @property
    def quotas_release_at(self) -> datetime:
        """When the sector quotas stop applying: ``quota_release_at``, or a week before."""
        return self.quota_release_at or self.starts_at - QUOTA_RELEASE_LEAD

    @property
    def reserved_places(self) -> dict[str, int]:
        """{sector: places} from ``sector_quotas``."""
        return {quota["sector"]: quota["places"] for quota in self.sector_quotas or ()}

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_online(self) -> bool:
        return self.delivery != self.Delivery.IN_PERSON

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    @property
    def when_text(self) -> str:
        """'Monday 12 July 2021, 12:00 to 14:30 (UK time)'; over midnight it names both days."""
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        if start.date() == end.date():
            return f"{start:%A %-d %B %Y}, {start:%H:%M} to {end:%H:%M} (UK time)"
        return f"{start:%A %-d %B %Y, %H:%M} to {end:%A %-d %B %Y, %H:%M} (UK time)"

    @property
    def location_text(self) -> str:
        """Where the session is, for people and calendars (never the joining link)."""
        if self.delivery == self.Delivery.ONLINE:
            return "Online"
        place = self.venue.address_line if self.venue else "Venue to be confirmed"
        return f"{place} (or online)" if self.delivery == self.Delivery.HYBRID else place


class EvaluationQuestion(models.Model):
    """A question of a course's evaluation form.

    Questions without an event are the partnership's defaults, asked by every course that has
    none of its own. ``key`` names the defaults' meaning (the reports compare
    ``confidence_before`` with ``confidence_after``); a course's own copy keeps it.
    """

    class Kind(models.TextChoices):
        RATING = "rating", "Rating from 1 to 5"
        TEXT = "text", "Free text"

    event = models.ForeignKey(
        Event,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evaluation_questions",
    )
    key = models.SlugField(max_length=40, blank=True)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RATING)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text

    @property
    def required(self) -> bool:
        """Ratings must be answered; free text may be left empty."""
        return self.kind == self.Kind.RATING


class Interest(models.Model):
    """A person asked to be told when new dates of a course are published.

    The interest stays until the person removes it (the account page, or the link in each
    email); each newly published session is emailed once per interest (the outbox's dedupe key
    names the interest and the newest session), so republishing sends nothing again.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interests"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="interests")
    created_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["person", "event"], name="interest_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.event}"
