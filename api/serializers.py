"""Representations of the API (read) and the shapes it accepts (write).

Times are ISO 8601 in Europe/London with their offset. Serializers validate types and ranges
only; the rules (capacity, windows, who may book) are the services'.
"""

from datetime import UTC, datetime

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Sector, User
from booking import rules
from booking.models import Booking
from booking.queries import sector_quotas_with_counts
from events.models import (
    MAX_OFFER_HOURS,
    MAX_PLACES,
    Event,
    Interest,
    Programme,
    Session,
    Theme,
    Venue,
)
from webhooks.models import Endpoint, EventType

# Written times must fall in this range: far enough for any real session, near enough that
# date arithmetic (booking windows, time zones) never overflows.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed < LATEST:
            raise serializers.ValidationError(
                f"Use a time between {EARLIEST.year} and {LATEST.year - 1}."
            )
        return parsed


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable error code.")
    detail = serializers.CharField(help_text="A sentence for people.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Only for validation_error: messages per field.",
    )


class ProgrammeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "slug", "title"]


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = ["id", "slug", "title", "summary", "starts_on", "ends_on", "published"]


class ThemeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "slug", "title", "description"]


class ThemeSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "slug", "title"]


class EventSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "slug", "title"]


class EventSerializer(serializers.ModelSerializer):
    programme = ProgrammeSummarySerializer()
    themes = ThemeSummarySerializer(many=True)
    learning_outcomes = serializers.ListField(
        source="learning_outcome_list", child=serializers.CharField()
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "description",
            "audience",
            "learning_outcomes",
            "programme",
            "themes",
            "certificate_requires_evaluation",
            "refresher_months",
            "requires_approval",
        ]


class VenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["id", "name", "address", "postcode", "accessibility"]


class TrainerSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "full_name"]


class SectorQuotaSerializer(serializers.Serializer):
    sector = serializers.ChoiceField(choices=Sector.choices, help_text="An organisation sector.")
    places = serializers.IntegerField(
        min_value=1, max_value=MAX_PLACES, help_text="Places reserved for the sector."
    )
    confirmed = serializers.IntegerField(
        read_only=True, help_text="Confirmed places held by people of the sector."
    )


class SessionSerializer(serializers.ModelSerializer):
    """A session with its availability.

    Expects a queryset from ``api.views.sessions_for`` (availability and viewer annotations,
    related rows loaded). ``join_url`` is present only for those ``booking.rules`` lets see it.
    """

    event = EventSummarySerializer()
    programme = ProgrammeSummarySerializer(source="event.programme")
    themes = ThemeSummarySerializer(source="event.themes", many=True)
    venue = VenueSerializer(allow_null=True)
    location = serializers.CharField(source="location_text")
    trainers = TrainerSerializer(many=True)
    confirmed_count = serializers.IntegerField()
    offered_count = serializers.IntegerField(
        help_text="Live offers: freed places held for people on the waitlist until they answer."
    )
    places_left = serializers.IntegerField(help_text="Free places; live offers count as taken.")
    waitlist_length = serializers.IntegerField()
    sector_quotas = serializers.SerializerMethodField()
    quota_release_at = serializers.DateTimeField(
        source="quotas_release_at",
        help_text="When reserved places stop applying (default: 7 days before the start).",
    )
    booking_open = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    calendar_url = serializers.SerializerMethodField()
    join_url = serializers.CharField(
        required=False,
        help_text="Only for an online or hybrid session, and only for its confirmed attendees, "
        "its trainers and coordinators.",
    )

    class Meta:
        model = Session
        fields = [
            "id",
            "event",
            "programme",
            "themes",
            "starts_at",
            "ends_at",
            "delivery",
            "venue",
            "location",
            "capacity",
            "confirmed_count",
            "offered_count",
            "places_left",
            "waitlist_length",
            "waitlist_enabled",
            "promotion",
            "offer_hours",
            "sector_quotas",
            "quota_release_at",
            "status",
            "cancellation_reason",
            "booking_open",
            "booking_opens_at",
            "booking_closes_at",
            "trainers",
            "url",
            "calendar_url",
            "join_url",
        ]
        read_only_fields = fields

    def to_representation(self, session):
        data = super().to_representation(session)
        if not self.may_see_join_url(session):
            del data["join_url"]
        return data

    def may_see_join_url(self, session) -> bool:
        return rules.may_see_join_url(self.context["request"].user, session)

    @extend_schema_field(SectorQuotaSerializer(many=True))
    def get_sector_quotas(self, session) -> list[dict]:
        """Places reserved per sector until ``quota_release_at``, with the confirmed places
        each sector holds."""
        return sector_quotas_with_counts(session)

    def get_booking_open(self, session) -> bool:
        return rules.availability(session, self.context["now"]).booking_open

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, session) -> str:
        """The session's page on the website."""
        return self.context["request"].build_absolute_uri(session.get_absolute_url())

    @extend_schema_field(OpenApiTypes.URI)
    def get_calendar_url(self, session) -> str:
        """The session as a single-event .ics file (no joining link)."""
        return self.context["request"].build_absolute_uri(
            reverse("events:session_calendar", args=[session.pk])
        )


class SessionWriteSerializer(serializers.Serializer):
    """What coordinators send to create (POST) or change (PATCH) a session."""

    event = serializers.PrimaryKeyRelatedField(queryset=Event.objects.all())
    starts_at = BoundedDateTimeField()
    ends_at = BoundedDateTimeField()
    delivery = serializers.ChoiceField(
        choices=Session.Delivery.choices, default=Session.Delivery.IN_PERSON
    )
    venue = serializers.PrimaryKeyRelatedField(
        queryset=Venue.objects.all(), allow_null=True, required=False
    )
    join_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    capacity = serializers.IntegerField(min_value=1, max_value=MAX_PLACES)
    waitlist_enabled = serializers.BooleanField(default=True)
    booking_opens_at = BoundedDateTimeField(allow_null=True, required=False)
    booking_closes_at = BoundedDateTimeField(allow_null=True, required=False)
    promotion = serializers.ChoiceField(
        choices=Session.Promotion.choices,
        required=False,
        help_text="automatic (default): a freed place goes to the head of the waitlist at once; "
        "offer: it is held for them for offer_hours to accept or decline.",
    )
    offer_hours = serializers.IntegerField(
        min_value=1, max_value=MAX_OFFER_HOURS, required=False, help_text="Default 24."
    )
    sector_quotas = serializers.ListField(
        child=SectorQuotaSerializer(),
        required=False,
        help_text="Places reserved per sector until quota_release_at; they add up to at most "
        "the capacity. `confirmed` is ignored. [] removes every quota.",
    )
    quota_release_at = BoundedDateTimeField(
        allow_null=True, required=False, help_text="null: 7 days before the start."
    )
    # A ListField (not many=True) so that anything but a list, e.g. {}, is refused.
    trainers = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True)),
        required=False,
        help_text="User ids; replaces the session's trainers.",
    )

    def validate_sector_quotas(self, quotas) -> list[dict]:
        return [{"sector": quota["sector"], "places": quota["places"]} for quota in quotas]


class SessionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Told to everyone booked, e.g. 'The trainer is unwell.'"
    )


class BookingCreateSerializer(serializers.Serializer):
    access_needs = serializers.CharField(
        max_length=2000,
        allow_blank=True,
        required=False,
        default="",
        help_text="Seen only by the session's trainers and coordinators.",
    )
    manager_email = serializers.EmailField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Your line manager's email address: needed for courses that require approval "
        "(`requires_approval`); the booking is then `pending_approval` until they decide.",
    )
    allow_conflict = serializers.BooleanField(
        default=False,
        help_text="Book even though you hold a place or waitlist place at an overlapping "
        "session (otherwise 409 schedule_conflict).",
    )


class BookingCreatedSerializer(serializers.Serializer):
    """The 201 body of a booking, as the OpenAPI schema describes it; ``booking_created``
    writes it (this serializer deep-copied its four fields on every response)."""

    id = serializers.IntegerField(read_only=True)
    session = serializers.IntegerField(source="session_id", read_only=True)
    status = serializers.ChoiceField(choices=Booking.Status.choices, read_only=True)
    waitlist_position = serializers.IntegerField(
        allow_null=True, help_text="1 = next in line; null when the place is confirmed."
    )


def booking_created(booking: Booking) -> dict:
    """``BookingCreatedSerializer``'s body for a new booking (tests/api pin them equal)."""
    return {
        "id": booking.pk,
        "session": booking.session_id,
        "status": booking.status,
        "waitlist_position": booking.waitlist_position,
    }


class BookingSerializer(serializers.ModelSerializer):
    """A booking as its owner (or a coordinator) sees it."""

    event = EventSummarySerializer(source="session.event")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ends_at = serializers.DateTimeField(source="session.ends_at")
    waitlist_position = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "id",
            "session",
            "event",
            "starts_at",
            "ends_at",
            "person",
            "status",
            "offer_expires_at",
            "waitlist_position",
            "attendance",
            "late_cancellation",
            "access_needs",
            "source",
            "created_at",
            "confirmed_at",
            "waitlisted_at",
            "cancelled_at",
        ]
        read_only_fields = fields


class AttendeeSerializer(serializers.ModelSerializer):
    """One line of a session's attendee list (trainers and coordinators)."""

    booking = serializers.IntegerField(source="pk")
    full_name = serializers.CharField(source="person.full_name")
    job_title = serializers.CharField(source="person.job_title")
    organisation = serializers.CharField(source="person.organisation.name", default="")
    waitlist_position = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Booking
        fields = [
            "booking",
            "person",
            "full_name",
            "job_title",
            "organisation",
            "status",
            "waitlist_position",
            "attendance",
            "access_needs",
        ]
        read_only_fields = fields


class AttendanceSerializer(serializers.Serializer):
    attendance = serializers.ChoiceField(choices=Booking.Attendance.choices)


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sector = serializers.CharField()


@extend_schema_field(OpenApiTypes.URI)
class FeedUrlField(serializers.Field):
    """The absolute URL of one of the person's calendar feeds (secret: keep it private)."""

    def __init__(self, url_name: str, **kwargs):
        self.url_name = url_name
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, user) -> str:
        return self.context["request"].build_absolute_uri(
            reverse(self.url_name, args=[user.feed_token])
        )


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationSerializer(allow_null=True)
    roles = serializers.ListField(child=serializers.CharField())
    calendar_feed_url = FeedUrlField(
        "calendar:personal", help_text="Your bookings as a calendar feed."
    )
    trainer_feed_url = FeedUrlField(
        "calendar:trainer",
        help_text="Only for trainers: the sessions you train, as a calendar feed.",
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "job_title",
            "organisation",
            "roles",
            "calendar_feed_url",
            "trainer_feed_url",
        ]

    def to_representation(self, user):
        data = super().to_representation(user)
        if "trainer" not in data["roles"]:
            del data["trainer_feed_url"]
        return data


# After the session.


class CheckInCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Six letters and digits; case and spaces are ignored.")
    url = serializers.URLField(help_text="The check-in page with the code filled in (the QR code).")
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()


class CheckInSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, trim_whitespace=True)


class CheckedInSerializer(serializers.Serializer):
    booking = serializers.IntegerField(source="pk")
    session = serializers.IntegerField(source="session_id")
    attendance = serializers.CharField()


class EvaluationQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=["rating", "text"])


class EvaluationSerializer(serializers.Serializer):
    questions = EvaluationQuestionSerializer(many=True)
    submitted_at = serializers.DateTimeField(allow_null=True)


class EvaluationAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Question id to a whole number from 1 to 5 (rating) or text. Every rating "
        "question must be answered.",
    )


class QuestionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=["rating", "text"])
    count = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True, required=False, help_text="Ratings only.")
    answers = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Text only, without names."
    )

    def to_representation(self, question):
        data = super().to_representation(question)
        data.pop("answers" if question.kind == "rating" else "mean")
        return data


class EvaluationSummarySerializer(serializers.Serializer):
    session = serializers.IntegerField()
    attended = serializers.IntegerField()
    responses = serializers.IntegerField()
    questions = QuestionSummarySerializer(many=True)


class TrainingRecordSerializer(serializers.Serializer):
    booking = serializers.IntegerField(source="booking.pk")
    event = EventSummarySerializer(source="session.event")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    ends_at = serializers.DateTimeField(source="session.ends_at")
    hours = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    certificate_url = serializers.SerializerMethodField()
    certificate_available = serializers.BooleanField(
        help_text="False while the course waits for your evaluation."
    )
    refresher_due = serializers.DateField(allow_null=True)

    def get_certificate_url(self, row) -> str:
        path = reverse("api_v1:booking-certificate", args=[row.booking.pk])
        return self.context["request"].build_absolute_uri(path)


# Webhooks (coordinators).


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        max_length=len(EventType.values),
        help_text="Event types to send: " + ", ".join(EventType.values) + ".",
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class WebhookSerializer(serializers.ModelSerializer):
    """An endpoint; its ``secret`` only in the response that created it."""

    class Meta:
        model = Endpoint
        fields = [
            "id",
            "url",
            "events",
            "description",
            "active",
            "created_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
        ]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="whsec_...: verifies the webhook-signature header. Shown only now.",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    webhook_id = serializers.CharField(source="delivery.message.webhook_id")
    type = serializers.CharField(source="delivery.message.type")
    attempt = serializers.IntegerField(source="number")
    attempted_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True, help_text="null when no response.")
    error = serializers.CharField(help_text="Why it failed, when it did ('' on success).")
    succeeded = serializers.BooleanField()
    duration_ms = serializers.IntegerField()
    delivery_status = serializers.CharField(
        source="delivery.status", help_text="pending, sending, delivered or failed."
    )


class InterestSerializer(serializers.ModelSerializer):
    """Your interest in a course: you are emailed when new dates are published."""

    event = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Interest
        fields = ["event", "created_at", "notified_at"]
