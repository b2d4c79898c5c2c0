"""REST API v1. Each view validates, calls one service (or query), and serializes.

Domain errors propagate to ``api.errors.exception_handler``; nothing here catches them.
Something a caller may not see (an unpublished programme, someone else's booking) is a 404.
"""

from functools import cached_property

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from accounts.rules import is_coordinator
from api import serializers
from api.filters import AttendeeFilter, BookingFilter, EventFilter, SessionFilter
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import idempotent
from api.permissions import IsCoordinator, ReadAnyoneWriteCoordinator
from api.renderers import AttendeeCSVRenderer, PDFRenderer, TrainingRecordCSVRenderer
from api.schema import READ_LIST, READ_ONE, WRITE, error_responses
from api.throttles import AnonThrottle, BookingThrottle, UserThrottle
from booking import rules as booking_rules
from booking import services as booking_services
from booking.certificates import certificate_filename, certificate_for
from booking.models import Booking
from booking.queries import (
    annotate_waitlist_position,
    bookings_visible_to,
    confirmed_by_sector,
    evaluation_form,
    evaluation_summary,
    sessions_with_availability,
    training_record,
    with_viewer,
)
from events import services as event_services
from events.models import Event, Programme, Session, Theme
from events.queries import trainer_flag
from webhooks import services as webhook_services
from webhooks.models import Attempt, Endpoint


class ApiView(generics.GenericAPIView):
    """Common ground: JSON only, throttled, knows whether the caller is a coordinator."""

    renderer_classes = [JSONRenderer]
    throttle_classes = [AnonThrottle, UserThrottle]
    metadata_class = None  # no OPTIONS descriptions: the OpenAPI schema is the description

    @cached_property
    def coordinator(self) -> bool:
        return is_coordinator(self.request.user)

    @cached_property
    def now(self):
        return timezone.now()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": self.now}

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even when the caller asked for CSV.
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code >= 400 and renderer is not None and renderer.format != "json":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


# Reads open to everyone: signed in (token or website session) or not.
ANYONE = [{"bearerAuth": []}, {"cookieAuth": []}, {}]


def validated(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# Catalogue.


def published_unless_coordinator(queryset, view: ApiView):
    return queryset if view.coordinator else queryset.published()


@extend_schema_view(
    get=extend_schema(
        responses={200: serializers.ProgrammeSerializer, **error_responses(*READ_LIST)}
    )
)
class ProgrammeListView(ApiView, generics.ListAPIView):
    """Programmes (coordinators also see unpublished ones)."""

    permission_classes = [AllowAny]  # the public catalogue

    serializer_class = serializers.ProgrammeSerializer

    def get_queryset(self):
        return published_unless_coordinator(Programme.objects.all(), self)


@extend_schema_view(
    get=extend_schema(
        responses={200: serializers.ProgrammeSerializer, **error_responses(*READ_ONE)}
    )
)
class ProgrammeDetailView(ApiView, generics.RetrieveAPIView):
    permission_classes = [AllowAny]  # the public catalogue
    serializer_class = serializers.ProgrammeSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return published_unless_coordinator(Programme.objects.all(), self)


@extend_schema_view(
    get=extend_schema(responses={200: serializers.ThemeSerializer, **error_responses(*READ_LIST)})
)
class ThemeListView(ApiView, generics.ListAPIView):
    """The practice improvement themes that training is organised around."""

    permission_classes = [AllowAny]  # the public catalogue

    serializer_class = serializers.ThemeSerializer
    queryset = Theme.objects.all()


def events_for(view: ApiView):
    events = Event.objects.select_related("programme").prefetch_related("themes")
    return published_unless_coordinator(events, view)


@extend_schema_view(
    get=extend_schema(responses={200: serializers.EventSerializer, **error_responses(*READ_LIST)})
)
class EventListView(ApiView, generics.ListAPIView):
    """Courses and awareness-week topics."""

    permission_classes = [AllowAny]  # the public catalogue

    serializer_class = serializers.EventSerializer
    filterset_class = EventFilter

    def get_queryset(self):
        return events_for(self)


@extend_schema_view(
    get=extend_schema(responses={200: serializers.EventSerializer, **error_responses(*READ_ONE)})
)
class EventDetailView(ApiView, generics.RetrieveAPIView):
    permission_classes = [AllowAny]  # the public catalogue
    serializer_class = serializers.EventSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return events_for(self)


@extend_schema_view(
    post=extend_schema(
        summary="Tell me when new dates are added",
        description="Register your interest in a published course: when a new session of it is "
        "published you are emailed once about it (and once for each later new session) until "
        "you remove the interest. 201 when registered, 200 when you were already registered.",
        request=None,
        responses={
            201: serializers.InterestSerializer,
            200: serializers.InterestSerializer,
            **error_responses(404),
        },
    ),
    delete=extend_schema(
        summary="Stop the emails about new dates",
        description="Remove your interest; 204 also when there was none.",
        request=None,
        responses={204: None, **error_responses(404)},
    ),
)
class EventInterestView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.InterestSerializer

    def event(self, slug: str) -> Event:
        return get_object_or_404(Event.objects.published(), slug=slug)

    def post(self, request, slug: str):
        interest, created = event_services.register_interest(
            person=request.user, event=self.event(slug)
        )
        return Response(
            self.get_serializer(interest).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def delete(self, request, slug: str):
        event_services.remove_interest(person=request.user, event=self.event(slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


# Sessions.


def sessions_for(view: ApiView):
    """Sessions with availability, related rows and what the caller is to each (one query)."""
    sessions = sessions_with_availability(
        Session.objects.select_related("event__programme", "venue").prefetch_related(
            "event__themes", "trainers"
        )
    )
    # Aggregation drops Meta.ordering, and pagination needs a stable order.
    sessions = published_unless_coordinator(sessions, view).order_by("starts_at", "id")
    return with_viewer(sessions, view.request.user)


class SessionMixin:
    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            confirmed_by_sector(page)
        return page

    def session_response(self, session_id: int, status_code=status.HTTP_200_OK) -> Response:
        session = sessions_for(self).get(pk=session_id)
        return Response(
            serializers.SessionSerializer(session, context=self.get_serializer_context()).data,
            status=status_code,
        )


@extend_schema_view(
    get=extend_schema(
        summary="List sessions",
        auth=ANYONE,
        description="Sessions that have not ended, soonest first; with `starts_after` or "
        "`starts_before`, any session in that range. Non-coordinators see published "
        "programmes only.",
        responses={200: serializers.SessionSerializer, **error_responses(*READ_LIST)},
    ),
    post=extend_schema(
        summary="Create a session (coordinators)",
        request=serializers.SessionWriteSerializer,
        responses={201: serializers.SessionSerializer, **error_responses(400, 403, 415)},
        examples=[
            OpenApiExample(
                "In person",
                request_only=True,
                value={
                    "event": 1,
                    "starts_at": "2026-07-12T12:00:00+01:00",
                    "ends_at": "2026-07-12T14:30:00+01:00",
                    "delivery": "in_person",
                    "venue": 1,
                    "capacity": 30,
                    "trainers": [7],
                },
            )
        ],
    ),
)
class SessionListView(SessionMixin, ApiView, generics.ListAPIView):
    serializer_class = serializers.SessionSerializer
    filterset_class = SessionFilter
    permission_classes = [ReadAnyoneWriteCoordinator]

    def get_queryset(self):
        sessions = sessions_for(self)
        if not {"starts_after", "starts_before"} & self.request.query_params.keys():
            sessions = sessions.not_ended(self.now)
        return sessions

    def post(self, request):
        fields = validated(serializers.SessionWriteSerializer, request.data)
        session = event_services.create_session(by=request.user, **fields)
        return self.session_response(session.pk, status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="A session",
        auth=ANYONE,
        responses={200: serializers.SessionSerializer, **error_responses(*READ_ONE)},
    ),
    patch=extend_schema(
        summary="Change a session (coordinators)",
        description="A change of start, end, venue, delivery or joining link raises the "
        "calendar SEQUENCE and tells everyone booked. Capacity follows the booking rules: "
        "a rise promotes the waitlist, a cut below the confirmed places is refused.",
        request=serializers.SessionWriteSerializer(partial=True),
        responses={200: serializers.SessionSerializer, **error_responses(*WRITE)},
        examples=[
            OpenApiExample(
                "Move",
                request_only=True,
                value={
                    "starts_at": "2026-07-13T12:00:00+01:00",
                    "ends_at": "2026-07-13T14:30:00+01:00",
                },
            ),
            OpenApiExample("More places", request_only=True, value={"capacity": 40}),
        ],
    ),
)
class SessionDetailView(SessionMixin, ApiView, generics.RetrieveAPIView):
    serializer_class = serializers.SessionSerializer
    permission_classes = [ReadAnyoneWriteCoordinator]
    http_method_names = ["get", "patch", "options"]

    def get_queryset(self):
        return sessions_for(self)

    def patch(self, request, pk: int):
        session = get_object_or_404(Session, pk=pk)
        changes = validated(serializers.SessionWriteSerializer, request.data, partial=True)
        booking_services.update_session(session, by=request.user, **changes)
        return self.session_response(session.pk)


@extend_schema(
    summary="Cancel a session (coordinators)",
    description="Cancels every booking and tells everyone booked, with the reason.",
    request=serializers.SessionCancelSerializer,
    responses={200: serializers.SessionSerializer, **error_responses(*WRITE)},
    examples=[
        OpenApiExample("Reason", request_only=True, value={"reason": "The trainer is unwell."})
    ],
)
class SessionCancelView(SessionMixin, ApiView):
    permission_classes = [IsCoordinator]
    serializer_class = serializers.SessionCancelSerializer

    def post(self, request, pk: int):
        session = get_object_or_404(Session, pk=pk)
        reason = validated(serializers.SessionCancelSerializer, request.data)["reason"]
        booking_services.cancel_session(session, by=request.user, reason=reason)
        return self.session_response(session.pk)


@extend_schema(
    summary="Book a place",
    description="A confirmed place, or a waitlist place (with its position) when the session "
    "is full. Send an `Idempotency-Key` to retry safely: a retry with the same key gets the "
    "first response again (with `Idempotent-Replayed: true`) and books nothing new.",
    parameters=[
        OpenApiParameter(
            IDEMPOTENCY_HEADER,
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description="1 to 255 visible ASCII characters, e.g. a UUID; kept for 24 hours.",
        )
    ],
    request=serializers.BookingCreateSerializer,
    responses={
        201: OpenApiResponse(
            serializers.BookingCreatedSerializer,
            examples=[
                OpenApiExample(
                    "Confirmed",
                    value={
                        "id": 41,
                        "session": 7,
                        "status": "confirmed",
                        "waitlist_position": None,
                    },
                ),
                OpenApiExample(
                    "Waitlisted",
                    value={"id": 42, "session": 7, "status": "waitlisted", "waitlist_position": 3},
                ),
            ],
        ),
        **error_responses(400, 404, 409, 415, 422),
    },
)
class SessionBookingsView(ApiView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [*ApiView.throttle_classes, BookingThrottle]
    serializer_class = serializers.BookingCreateSerializer

    @idempotent
    def post(self, request, pk: int):
        # An empty body asks for nothing but a place, and the serializer's defaults are
        # book_session's own (a test holds them equal): nothing to validate, and building the
        # serializer was about a twentieth of the request's CPU. Any other body is validated.
        data = request.data
        fields = {} if data == {} else validated(serializers.BookingCreateSerializer, data)
        # The session is read (and its publication checked) under the booking lock.
        booking = booking_services.book_session(
            pk,
            person=request.user,
            source=Booking.Source.API,
            **fields,
        )
        return Response(serializers.booking_created(booking), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        summary="A session's attendee list (its trainers, coordinators)",
        description="Confirmed and waitlisted people (`status=cancelled` for cancellations). "
        "`?format=csv` (or `Accept: text/csv`) gives every row as CSV, unpaginated.",
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "csv"],
                description="csv for a sign-in sheet.",
            ),
        ],
        responses={
            (200, "application/json"): serializers.AttendeeSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **error_responses(400, 403, 404),
        },
    )
)
class SessionAttendeesView(ApiView, generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, AttendeeCSVRenderer]
    serializer_class = serializers.AttendeeSerializer
    filterset_class = AttendeeFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Booking.objects.none()
        session = self.session
        bookings = Booking.objects.filter(session=session)
        if "status" not in self.request.query_params:
            bookings = bookings.active()
        return annotate_waitlist_position(bookings.select_related("person__organisation")).order_by(
            "status", "waitlist_position", "person__full_name", "pk"
        )

    @cached_property
    def session(self) -> Session:
        """The session, if the caller may see its register; anyone else gets a 404, as for a
        session that does not exist."""
        user = self.request.user
        session = (
            Session.objects.annotate(viewer_is_trainer=trainer_flag(user))
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if session is None or not user.has_perm("booking.see_register", session):
            raise exceptions.NotFound("No Session matches the given query.")
        return session

    def paginate_queryset(self, queryset):
        if self.request.accepted_renderer.format == "csv":
            return None  # a sign-in sheet has every row
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if request.accepted_renderer.format == "csv":
            filename = f"session-{self.session.pk}-attendees.csv"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


# Bookings.


def visible_bookings(view: ApiView):
    """Coordinators see every booking; everyone else their own."""
    if getattr(view, "swagger_fake_view", False):  # schema generation
        return Booking.objects.none()
    user = view.request.user
    bookings = bookings_visible_to(user)
    return annotate_waitlist_position(bookings.select_related("session__event")).order_by(
        "-session__starts_at", "-id"
    )


@extend_schema_view(
    get=extend_schema(
        summary="Your bookings (coordinators: everyone's)",
        responses={200: serializers.BookingSerializer, **error_responses(*READ_LIST)},
    )
)
class BookingListView(ApiView, generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.BookingSerializer
    filterset_class = BookingFilter

    def get_queryset(self):
        return visible_bookings(self)


@extend_schema_view(
    get=extend_schema(
        summary="A booking",
        responses={200: serializers.BookingSerializer, **error_responses(*READ_ONE)},
    )
)
class BookingDetailView(ApiView, generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.BookingSerializer

    def get_queryset(self):
        return visible_bookings(self)


@extend_schema(
    summary="Cancel a booking",
    description="Allowed until the session starts (late within the late-cancellation period). "
    "A freed place goes to the head of the waitlist at once.",
    request=None,
    responses={200: serializers.BookingSerializer, **error_responses(*WRITE)},
)
class BookingCancelView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.BookingSerializer

    def post(self, request, pk: int):
        booking = get_object_or_404(visible_bookings(self), pk=pk)
        booking_services.cancel_booking(booking, by=request.user)
        return Response(self.get_serializer(visible_bookings(self).get(pk=pk)).data)


class OfferAnswerView(ApiView):
    """Accept or decline an offered place: the booking's person (or a coordinator)."""

    permission_classes = [IsAuthenticated]
    serializer_class = serializers.BookingSerializer
    answer = None  # the booking service to call

    def post(self, request, pk: int):
        booking = get_object_or_404(visible_bookings(self), pk=pk)
        type(self).answer(booking, by=request.user)
        return Response(self.get_serializer(visible_bookings(self).get(pk=pk)).data)


@extend_schema(
    summary="Accept an offered place",
    description="Confirms the place held for you (200, status `confirmed`); the confirmation "
    "email brings the calendar invitation. Once the offer has expired: 409 `offer_expired`; "
    "a booking with no open offer (accepted, declined): 409 `not_offered`.",
    request=None,
    responses={200: serializers.BookingSerializer, **error_responses(*WRITE)},
)
class BookingAcceptView(OfferAnswerView):
    answer = booking_services.accept_offer


@extend_schema(
    summary="Decline an offered place",
    description="Gives the place up (200, status `cancelled`); the next person on the waitlist "
    "is offered it. Once the offer has expired: 409 `offer_expired`.",
    request=None,
    responses={200: serializers.BookingSerializer, **error_responses(*WRITE)},
)
class BookingDeclineView(OfferAnswerView):
    answer = booking_services.decline_offer


@extend_schema(
    summary="Mark attendance (the session's trainers, coordinators)",
    request=serializers.AttendanceSerializer,
    responses={200: serializers.AttendeeSerializer, **error_responses(*WRITE)},
    examples=[OpenApiExample("Attended", request_only=True, value={"attendance": "attended"})],
)
class BookingAttendanceView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.AttendanceSerializer

    def post(self, request, pk: int):
        attendance = validated(serializers.AttendanceSerializer, request.data)["attendance"]
        booking = self.booking(pk)
        booking_services.mark_attendance(booking, attendance=attendance, by=request.user)
        updated = annotate_waitlist_position(
            Booking.objects.select_related("person__organisation")
        ).get(pk=pk)
        return Response(serializers.AttendeeSerializer(updated).data)

    def booking(self, pk: int) -> Booking:
        """The booking, if the caller may see it at all (the service decides the rest)."""
        user = self.request.user
        booking = Booking.objects.select_related("session").filter(pk=pk).first()
        if booking is None or not (
            user.has_perm("booking.see_booking", booking)
            or user.has_perm("booking.see_register", booking.session)
        ):
            raise exceptions.NotFound("No Booking matches the given query.")
        return booking


@extend_schema(
    summary="You",
    description="Your profile, roles and the secret address of your calendar feed "
    "(and of your trainer feed, for trainers).",
    responses={200: serializers.MeSerializer, **error_responses()},
)
class MeView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.MeSerializer

    def get(self, request):
        return Response(self.get_serializer(request.user).data)


# After the session: check-in, evaluation, certificates, training record.


def session_with_register(view: ApiView, pk: int) -> Session:
    """The session, if the caller may see its register (its trainers, coordinators); a 404
    for anyone else, as for a session that does not exist."""
    user = view.request.user
    session = Session.objects.annotate(viewer_is_trainer=trainer_flag(user)).filter(pk=pk).first()
    if session is None or not user.has_perm("booking.see_register", session):
        raise exceptions.NotFound("No Session matches the given query.")
    return session


def own_booking(view: ApiView, pk: int) -> Booking:
    """The caller's own booking; anyone else's is a 404 (coordinators' too)."""
    booking = (
        Booking.objects.select_related("session__event")
        .filter(pk=pk, person_id=view.request.user.pk)
        .first()
    )
    if booking is None:
        raise exceptions.NotFound("No Booking matches the given query.")
    return booking


@extend_schema(
    summary="A session's check-in code (its trainers, coordinators)",
    description="The code people type, or scan as a QR code from the register, to mark "
    "themselves attended; valid from 30 minutes before the start to the end. Readable at "
    "any time.",
    responses={200: serializers.CheckInCodeSerializer, **error_responses(*READ_ONE)},
)
class SessionCheckInCodeView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.CheckInCodeSerializer

    def get(self, request, pk: int):
        session = session_with_register(self, pk)
        code = booking_rules.check_in_code(session)
        valid_from, valid_until = booking_rules.check_in_window(session)
        url = request.build_absolute_uri(f"{reverse('booking:check_in', args=[pk])}?code={code}")
        data = {"code": code, "url": url, "valid_from": valid_from, "valid_until": valid_until}
        return Response(self.get_serializer(data).data)


@extend_schema(
    summary="Check yourself in",
    description="With a confirmed place and the session's code, marks you attended. "
    "Refused in this order: outside the check-in window or for a cancelled session, 409 "
    "`check_in_closed`; a wrong code, 400 `invalid_code`; no confirmed place, 409 "
    "`not_confirmed`. Checking in again is harmless.",
    request=serializers.CheckInSerializer,
    responses={200: serializers.CheckedInSerializer, **error_responses(*WRITE)},
    examples=[OpenApiExample("Code", request_only=True, value={"code": "K7X9QP"})],
)
class SessionCheckInView(ApiView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [*ApiView.throttle_classes, BookingThrottle]
    serializer_class = serializers.CheckInSerializer

    def post(self, request, pk: int):
        code = validated(serializers.CheckInSerializer, request.data)["code"]
        booking = booking_services.check_in(Session(pk=pk), person=request.user, code=code)
        return Response(serializers.CheckedInSerializer(booking).data)


@extend_schema_view(
    get=extend_schema(
        summary="Your evaluation of a session",
        description="The course's questions, and when you sent your answers (null before). "
        "Open from the moment you are marked attended; before that 409 `not_attended`.",
        responses={200: serializers.EvaluationSerializer, **error_responses(404, 409)},
    ),
    post=extend_schema(
        summary="Send your evaluation",
        description="Once per booking: again is 409 `already_submitted`. Ratings are whole "
        "numbers from 1 to 5 and must all be answered; text may be left out. Where the course "
        "asks for it, this unlocks the certificate, and the thank-you email links it.",
        request=serializers.EvaluationAnswersSerializer,
        responses={201: serializers.EvaluationSerializer, **error_responses(*WRITE)},
        examples=[
            OpenApiExample(
                "Answers",
                request_only=True,
                value={"answers": {"1": 2, "2": 4, "3": 5, "4": "Ask the child first."}},
            )
        ],
    ),
)
class BookingEvaluationView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.EvaluationSerializer

    def get(self, request, pk: int):
        form = evaluation_form(own_booking(self, pk))
        return Response(self.get_serializer(form).data)

    def post(self, request, pk: int):
        booking = own_booking(self, pk)
        answers = validated(serializers.EvaluationAnswersSerializer, request.data)["answers"]
        booking_services.submit_evaluation(booking, by=request.user, answers=answers)
        form = evaluation_form(booking)
        return Response(self.get_serializer(form).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="A session's evaluation summary (its trainers, coordinators)",
    description="Per question the count and mean (ratings) or the answers without names "
    "(text), from the people marked attended.",
    responses={200: serializers.EvaluationSummarySerializer, **error_responses(*READ_ONE)},
)
class SessionEvaluationSummaryView(ApiView):
    permission_classes = [IsAuthenticated]
    serializer_class = serializers.EvaluationSummarySerializer

    def get(self, request, pk: int):
        session = session_with_register(self, pk)
        summary = evaluation_summary(Booking.objects.filter(session=session))
        data = {
            "session": session.pk,
            "attended": summary.attended,
            "responses": summary.responses,
            "questions": summary.questions,
        }
        return Response(self.get_serializer(data).data)


@extend_schema(
    summary="A certificate of attendance (PDF)",
    description="For the booking's person (and coordinators), once marked attended and, "
    "where the course requires it, once the evaluation is sent: 409 `not_attended` or "
    "`evaluation_required` before. Available while the session is still running.",
    responses={
        (200, "application/pdf"): OpenApiTypes.BINARY,
        **error_responses(404, 409),
    },
)
class BookingCertificateView(ApiView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, PDFRenderer]

    def get(self, request, pk: int):
        booking = get_object_or_404(visible_bookings(self), pk=pk)
        if not request.user.has_perm("booking.have_certificate", booking):
            raise exceptions.NotFound("No Booking matches the given query.")
        response = HttpResponse(certificate_for(booking), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate_filename(booking)}"'
        return response


@extend_schema_view(
    get=extend_schema(
        summary="Your training record",
        description="Every session you attended, latest first, with its hours, the "
        "certificate's address and when a refresher is due (the UK date of the start plus the "
        "course's `refresher_months`, clamped to the month's last day; null when the course "
        "has none). `?format=csv` gives every row as CSV.",
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"])],
        responses={
            (200, "application/json"): serializers.TrainingRecordSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **error_responses(*READ_LIST),
        },
    )
)
class TrainingRecordView(ApiView, generics.ListAPIView):
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, TrainingRecordCSVRenderer]
    serializer_class = serializers.TrainingRecordSerializer
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return []
        return training_record(self.request.user)

    def paginate_queryset(self, queryset):
        if self.request.accepted_renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        if request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = 'attachment; filename="training-record.csv"'
        return response


# Webhooks (coordinators).


@extend_schema_view(
    get=extend_schema(
        summary="Webhook endpoints (coordinators)",
        responses={200: serializers.WebhookSerializer, **error_responses(*READ_LIST, 403)},
    ),
    post=extend_schema(
        summary="Register a webhook endpoint (coordinators)",
        description="Events are signed as Standard Webhooks (`webhook-id`, `webhook-timestamp`, "
        "`webhook-signature`). The `secret` that verifies them is in this response only.",
        request=serializers.WebhookCreateSerializer,
        responses={201: serializers.WebhookCreatedSerializer, **error_responses(400, 403, 415)},
        examples=[
            OpenApiExample(
                "HR system",
                request_only=True,
                value={
                    "url": "https://hr.example.org/convene/webhooks",
                    "events": ["booking.created", "booking.cancelled", "attendance.marked"],
                },
            )
        ],
    ),
)
class WebhookListView(ApiView, generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsCoordinator]
    serializer_class = serializers.WebhookSerializer

    def get_queryset(self):
        return Endpoint.objects.order_by("created_at", "id")

    def post(self, request):
        fields = validated(serializers.WebhookCreateSerializer, request.data)
        endpoint = webhook_services.create_endpoint(by=request.user, **fields)
        return Response(
            serializers.WebhookCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    get=extend_schema(
        summary="A webhook endpoint (coordinators)",
        responses={200: serializers.WebhookSerializer, **error_responses(*READ_ONE, 403)},
    ),
    delete=extend_schema(
        summary="Remove a webhook endpoint (coordinators)",
        responses={204: None, **error_responses(403, 404)},
    ),
)
class WebhookDetailView(ApiView, generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated, IsCoordinator]
    serializer_class = serializers.WebhookSerializer
    http_method_names = ["get", "delete", "options"]
    queryset = Endpoint.objects.all()

    def delete(self, request, pk: int):
        webhook_services.delete_endpoint(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    get=extend_schema(
        summary="A webhook endpoint's delivery attempts (coordinators)",
        description="Every attempt, latest first, with the receiver's HTTP status code or the "
        "error that stopped it (time-out, refused address, redirect not followed).",
        responses={200: serializers.WebhookAttemptSerializer, **error_responses(*READ_LIST, 403)},
    )
)
class WebhookDeliveriesView(ApiView, generics.ListAPIView):
    permission_classes = [IsAuthenticated, IsCoordinator]
    serializer_class = serializers.WebhookAttemptSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Attempt.objects.none()
        endpoint = get_object_or_404(Endpoint, pk=self.kwargs["pk"])
        return (
            Attempt.objects.filter(delivery__endpoint=endpoint)
            .select_related("delivery__message")
            .order_by("-attempted_at", "-id")
        )
