"""Fair allocation through the API: offers (accept, decline) and the session's settings."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from booking import services
from booking.models import Booking
from events.models import Session
from tests.factories import OrganisationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(db):
    """A one-place offer-mode session whose freed place is offered to ``offered.person``."""
    session = SessionFactory(capacity=1, promotion=Session.Promotion.OFFER)
    holder = services.book_session(session, person=UserFactory())
    booking = services.book_session(session, person=UserFactory())
    services.book_session(session, person=UserFactory())
    services.cancel_booking(holder, by=holder.person)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.OFFERED
    return booking


def test_session_shows_the_allocation_fields(api, offered):
    body = api().get(f"/api/v1/sessions/{offered.session_id}/").json()

    session = offered.session
    assert {
        key: body[key]
        for key in (
            "promotion",
            "offer_hours",
            "sector_quotas",
            "confirmed_count",
            "offered_count",
            "places_left",
            "waitlist_length",
        )
    } == {
        "promotion": "offer",
        "offer_hours": 24,
        "sector_quotas": [],
        "confirmed_count": 0,
        "offered_count": 1,
        "places_left": 0,
        "waitlist_length": 1,
    }
    release = session.starts_at - timedelta(days=7)
    assert datetime.fromisoformat(body["quota_release_at"]) == release


def test_accept_returns_the_confirmed_booking(api, offered):
    response = api(offered.person).post(f"/api/v1/bookings/{offered.pk}/accept/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"]) == (offered.pk, "confirmed")


def test_accept_twice_is_a_409_not_offered(api, offered):
    client = api(offered.person)
    client.post(f"/api/v1/bookings/{offered.pk}/accept/")

    response = client.post(f"/api/v1/bookings/{offered.pk}/accept/")

    assert (response.status_code, response.json()["code"]) == (409, "not_offered")


def test_decline_returns_cancelled_and_offers_the_place_on(api, offered):
    response = api(offered.person).post(f"/api/v1/bookings/{offered.pk}/decline/")

    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert list(
        Booking.objects.filter(session=offered.session)
        .order_by("pk")
        .values_list("status", flat=True)
    ) == ["cancelled", "cancelled", "offered"]


def test_someone_elses_offer_is_a_404_and_stays_open(api, offered):
    stranger = UserFactory()

    accept = api(stranger).post(f"/api/v1/bookings/{offered.pk}/accept/")
    decline = api(stranger).post(f"/api/v1/bookings/{offered.pk}/decline/")

    assert (accept.status_code, accept.json()["code"]) == (404, "not_found")
    assert (decline.status_code, decline.json()["code"]) == (404, "not_found")
    offered.refresh_from_db()
    assert offered.status == Booking.Status.OFFERED


def test_anonymous_answer_is_a_401(api, offered):
    response = api().post(f"/api/v1/bookings/{offered.pk}/accept/")

    assert (response.status_code, response.json()["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_after_expiry_both_answers_are_409_offer_expired(api, offered, answer):
    services.allocate_places(now=offered.offer_expires_at)

    response = api(offered.person).post(f"/api/v1/bookings/{offered.pk}/{answer}/")

    assert (response.status_code, response.json()["code"]) == (409, "offer_expired")


def test_booking_shows_offer_expires_at(api, offered):
    body = api(offered.person).get(f"/api/v1/bookings/{offered.pk}/").json()

    assert body["status"] == "offered"
    assert datetime.fromisoformat(body["offer_expires_at"]) == offered.offer_expires_at
    assert body["waitlist_position"] is None


def test_coordinator_sets_promotion_offer_hours_and_quotas(api, coordinator):
    session = SessionFactory(capacity=10)
    release = timezone.localtime(session.starts_at - timedelta(days=3)).replace(microsecond=0)

    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/",
        {
            "promotion": "offer",
            "offer_hours": 12,
            "sector_quotas": [
                {"sector": "police", "places": 3},
                {"sector": "health", "places": 2, "confirmed": 99},
            ],
            "quota_release_at": release.isoformat(),
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["promotion"], body["offer_hours"]) == ("offer", 12)
    assert datetime.fromisoformat(body["quota_release_at"]) == release
    assert body["sector_quotas"] == [
        {"sector": "police", "places": 3, "confirmed": 0},
        {"sector": "health", "places": 2, "confirmed": 0},
    ]
    session.refresh_from_db()
    assert session.sector_quotas == [
        {"sector": "police", "places": 3},
        {"sector": "health", "places": 2},
    ]


def test_quota_confirmed_counts_each_sectors_confirmed_places(api):
    session = SessionFactory(capacity=10, sector_quotas=[{"sector": "police", "places": 3}])
    police = OrganisationFactory(sector="police")
    for _ in range(2):
        services.book_session(session, person=UserFactory(organisation=police))
    services.book_session(
        session, person=UserFactory(organisation=OrganisationFactory(sector="health"))
    )

    detail = api().get(f"/api/v1/sessions/{session.pk}/").json()
    listing = api().get("/api/v1/sessions/").json()["results"]

    expected = [{"sector": "police", "places": 3, "confirmed": 2}]
    assert detail["sector_quotas"] == expected
    assert [s["sector_quotas"] for s in listing if s["id"] == session.pk] == [expected]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sector_quotas": [{"sector": "police", "places": 11}]}, "sector_quotas"),
        (
            {
                "sector_quotas": [
                    {"sector": "police", "places": 6},
                    {"sector": "health", "places": 5},
                ]
            },
            "sector_quotas",
        ),
        ({"sector_quotas": [{"sector": "astronauts", "places": 1}]}, "sector_quotas"),
        ({"sector_quotas": [{"sector": "police", "places": 0}]}, "sector_quotas"),
        ({"sector_quotas": {"police": 3}}, "sector_quotas"),
        ({"offer_hours": -1}, "offer_hours"),
        ({"offer_hours": 0}, "offer_hours"),
        ({"promotion": "lottery"}, "promotion"),
        ({"capacity": 2, "sector_quotas": [{"sector": "police", "places": 3}]}, "sector_quotas"),
    ],
)
def test_bad_allocation_settings_are_400_and_change_nothing(api, coordinator, change, field):
    session = SessionFactory(capacity=10)

    response = api(coordinator).patch(f"/api/v1/sessions/{session.pk}/", change, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert field in body["errors"]
    session.refresh_from_db()
    assert (session.capacity, session.sector_quotas, session.promotion, session.offer_hours) == (
        10,
        [],
        "automatic",
        24,
    )


def test_capacity_cut_below_the_quotas_is_400(api, coordinator):
    session = SessionFactory(capacity=10, sector_quotas=[{"sector": "police", "places": 8}])

    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/", {"capacity": 7}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    session.refresh_from_db()
    assert session.capacity == 10


def test_practitioners_cannot_set_quotas(api, person):
    session = SessionFactory(capacity=10)

    response = api(person).patch(
        f"/api/v1/sessions/{session.pk}/", {"promotion": "offer"}, format="json"
    )

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.promotion == "automatic"


def test_the_schema_shows_the_contract_fields(api):
    schema = api().get("/api/schema/?format=json").json()

    session = schema["components"]["schemas"]["Session"]["properties"]
    assert {
        "promotion",
        "offer_hours",
        "sector_quotas",
        "quota_release_at",
        "offered_count",
    } <= set(session)
    quota = schema["components"]["schemas"]["SectorQuota"]
    assert set(quota["properties"]) == {"sector", "places", "confirmed"}
    assert quota["properties"]["confirmed"]["readOnly"] is True
    booking = schema["components"]["schemas"]["Booking"]["properties"]
    assert "offer_expires_at" in booking
    assert "offered" in str(schema["components"]["schemas"])
    assert "/api/v1/bookings/{id}/accept/" in schema["paths"]
    assert "/api/v1/bookings/{id}/decline/" in schema["paths"]


def test_coordinator_creates_a_session_with_offers_and_quotas(api, coordinator):
    template = SessionFactory()

    response = api(coordinator).post(
        "/api/v1/sessions/",
        {
            "event": template.event_id,
            "starts_at": template.starts_at.isoformat(),
            "ends_at": template.ends_at.isoformat(),
            "capacity": 20,
            "promotion": "offer",
            "offer_hours": 48,
            "sector_quotas": [{"sector": "education", "places": 5}],
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["promotion"], body["offer_hours"], body["sector_quotas"]) == (
        "offer",
        48,
        [{"sector": "education", "places": 5, "confirmed": 0}],
    )


def test_quota_release_at_null_goes_back_to_a_week_before(api, coordinator):
    session = SessionFactory(quota_release_at=timezone.now())

    response = api(coordinator).patch(
        f"/api/v1/sessions/{session.pk}/", {"quota_release_at": None}, format="json"
    )

    assert response.status_code == 200
    release = datetime.fromisoformat(response.json()["quota_release_at"])
    assert release == session.starts_at - timedelta(days=7)
