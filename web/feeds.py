"""Calendar (.ics) feeds and the one-session download.

Each view finds its rows, computes the feed's validators in one aggregate query and answers a
conditional request with 304 before building anything; otherwise it builds the feed with
``events.calendar``. Public feeds carry session UIDs and never a joining link; the personal and
trainer feeds sit behind the person's ``feed_token`` (a revoked token is a 404) and are
``Cache-Control: private``.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header, http_date
from django.views.decorators.http import require_safe

from booking import calendar as booking_calendar
from booking import queries as booking_queries
from events import calendar, queries
from events.models import Programme, Session, Theme

CONTENT_TYPE = "text/calendar; charset=utf-8"
# Shared caches may keep a public feed for a quarter of the refresh interval; private feeds are
# revalidated on every request (cheap: one aggregate query, then 304).
PUBLIC_MAX_AGE = 15 * 60
# A built feed is kept under its ETag (its body depends on nothing else), so clients that never
# send If-None-Match still cost one aggregate query and a cache read.
BODY_CACHE_SECONDS = 24 * 60 * 60
# new_secret() makes 43 characters; anything much shorter is not a token we issued.
MIN_TOKEN_LENGTH = 32


@require_safe
def sessions_feed(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return _public_feed(
        request,
        queries.public_feed_sessions(now=now),
        kind="sessions",
        name=f"{settings.PARTNERSHIP_NAME}: training",
        description=f"Every published training session of {settings.PARTNERSHIP_NAME}.",
        filename="sessions.ics",
        now=now,
    )


@require_safe
def programme_feed(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    programme = get_object_or_404(Programme.objects.published(), slug=slug)
    return _public_feed(
        request,
        queries.public_feed_sessions(now=now, programme=programme),
        kind=f"programme:{programme.pk}:{programme.updated_at.isoformat()}",
        name=programme.title,
        description=programme.summary,
        filename=f"{programme.slug}.ics",
        now=now,
    )


@require_safe
def theme_feed(request: HttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    theme = get_object_or_404(Theme, slug=slug)
    return _public_feed(
        request,
        queries.public_feed_sessions(now=now, theme=theme),
        kind=f"theme:{theme.pk}:{theme.updated_at.isoformat()}",
        name=f"{theme.title}: training",
        description=theme.description,
        filename=f"{theme.slug}.ics",
        now=now,
    )


@require_safe
def personal_feed(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    person = _feed_owner(token)
    bookings = booking_queries.personal_feed_bookings(person, now=now)
    state = booking_queries.bookings_state(bookings, kind=f"personal:{person.pk}", now=now)
    return _calendar_response(
        request,
        state=state,
        filename="my-bookings.ics",
        private=True,
        build=lambda: booking_calendar.bookings_feed(
            booking_queries.bookings_for_calendar(bookings),
            name="My training bookings",
            description=f"Your places at {settings.PARTNERSHIP_NAME} training. Private to you.",
            now=state.changed_at,
        ),
    )


@require_safe
def trainer_feed(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    trainer = _feed_owner(token)
    sessions = queries.trainer_feed_sessions(trainer, now=now)
    state = booking_queries.trainer_state(sessions, kind=f"trainer:{trainer.pk}", now=now)
    return _calendar_response(
        request,
        state=state,
        filename="my-training-sessions.ics",
        private=True,
        build=lambda: booking_calendar.trainer_feed(
            booking_queries.trainer_sessions_for_calendar(sessions, trainer),
            trainer=trainer,
            name="Sessions I train",
            description=f"Sessions you train for {settings.PARTNERSHIP_NAME}. Private to you.",
            now=state.changed_at,
        ),
    )


@require_safe
def session_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """One published session as a file to add to a calendar (public: no joining link)."""
    session = get_object_or_404(queries.sessions_for_calendar(Session.objects.published()), pk=pk)
    state = queries.single_session_state(session, now=timezone.now())
    local_start = timezone.localtime(session.starts_at)
    return _calendar_response(
        request,
        state=state,
        filename=f"{session.event.slug}-{local_start:%Y-%m-%d-%H%M}.ics",
        private=False,
        build=lambda: calendar.single_session(session, now=state.changed_at),
    )


def _feed_owner(token: str):
    """The active person whose current feed token this is, or 404 (revoked, unknown)."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise Http404("No such calendar.")
    return get_object_or_404(
        get_user_model(), feed_token=token, is_active=True, anonymised_at__isnull=True
    )


def _public_feed(request, sessions, *, kind, name, description, filename, now) -> HttpResponse:
    state = queries.sessions_state(sessions, kind=kind, now=now)
    return _calendar_response(
        request,
        state=state,
        filename=filename,
        private=False,
        build=lambda: calendar.sessions_feed(
            queries.sessions_for_calendar(sessions),
            name=name,
            description=description,
            now=state.changed_at,
        ),
    )


def _calendar_response(
    request: HttpRequest,
    *,
    state: queries.FeedState,
    filename: str,
    private: bool,
    build: Callable[[], bytes],
) -> HttpResponse:
    """Answer 304 (or 412) from the validators alone, else the cached or freshly built .ics."""
    last_modified = int(state.last_modified.timestamp())
    response = get_conditional_response(request, etag=state.etag, last_modified=last_modified)
    if response is None:
        body = cache.get(state.cache_key)
        if body is None:
            body = build()
            cache.set(state.cache_key, body, BODY_CACHE_SECONDS)
        response = HttpResponse(body, content_type=CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, filename)
    response["ETag"] = state.etag
    response["Last-Modified"] = http_date(last_modified)
    if private:
        # Token URLs: never in a shared cache, always revalidated, not indexed if leaked.
        patch_cache_control(response, private=True, no_cache=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
    else:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    return response
