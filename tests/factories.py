"""factory_boy factories with unsurprising defaults (a published session next week at noon), and
bookings made and marked through the booking rules."""

from datetime import datetime, time, timedelta

import factory
from django.utils import timezone

from accounts.models import Organisation, Sector, User
from accounts.roles import make_coordinator
from booking import services
from booking.models import Booking
from events.models import Event, Programme, Session, Theme, Venue


def local(year, month, day, hour=12, minute=0) -> datetime:
    """An aware Europe/London wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=timezone.get_default_timezone())


def next_week_at(hour: int = 12) -> datetime:
    day = timezone.localdate() + timedelta(days=7)
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Example Agency {n}")
    sector = Sector.CHILDRENS_SOCIAL_CARE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Pat Example{n}")
    job_title = "Social Worker"
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password("correct horse battery staple")


class CoordinatorFactory(UserFactory):
    full_name = "Cora Coordinator"

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            make_coordinator(self)


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"programme-{n}")
    title = factory.Sequence(lambda n: f"Programme {n}")
    published = True


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"theme-{n}")
    title = factory.Sequence(lambda n: f"Theme {n}")


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    name = "County Hall"
    address = "Aykley Heads\nDurham"
    postcode = "DH1 5UL"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"event-{n}")
    title = factory.Sequence(lambda n: f"Safeguarding course {n}")
    summary = "A multi-agency course."
    programme = factory.SubFactory(ProgrammeFactory)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    event = factory.SubFactory(EventFactory)
    starts_at = factory.LazyFunction(next_week_at)
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + timedelta(hours=2, minutes=30))
    delivery = Session.Delivery.IN_PERSON
    venue = factory.SubFactory(VenueFactory)
    capacity = 10


def book_three_days_before(session, person, *, access_needs: str = "") -> Booking:
    """Book through the rules, three days before the session (which may lie in the past)."""
    return services.book_session(
        session,
        person=person,
        access_needs=access_needs,
        now=session.starts_at - timedelta(days=3),
    )


def mark_at_the_end(booking: Booking, attendance: str, *, by) -> Booking:
    """Mark attendance through the rules as the session ends."""
    return services.mark_attendance(
        booking, attendance=attendance, by=by, now=booking.session.ends_at
    )
