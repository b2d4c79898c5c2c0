"""Load the partnership's 2021 programme as demo data (invented people, example.org addresses).

By default each programme is moved forward by whole weeks so that it lies just ahead of today
(same weekdays, same UK wall-clock times) and can be booked at once, and last term's sessions of
the training courses lie in the weeks behind today with the history they would leave:
attendance (some by self check-in), absences, late cancellations, evaluations and so
certificates. ``--as-published`` keeps the 2021 dates and adds a year's history.
Running it twice changes nothing: every row has a fixed natural key, and bookings are only
added to sessions that have none.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Sector, User
from accounts.roles import make_coordinator
from booking import rules as booking_rules
from booking import services as booking_services
from booking.models import Booking
from common.errors import DomainError
from events.models import Event, Programme, Session, Theme, Venue
from events.queries import evaluation_questions
from notifications import services as notifications

DEMO_NAMESPACE = uuid.UUID("6f1c3f4e-3a52-4c39-9a8e-2021c0de0001")
DEMO_PASSWORD = "convene-demo"  # noqa: S105 -- a published demo password, local runs only

THEMES = [
    ("voice-of-the-child", "Voice and Lived Experience of the Child"),
    ("risk-and-cumulative-harm", "Risk Assessment and Cumulative Harm"),
    ("decision-making", "Decision Making and Management Understanding"),
    ("child-sexual-abuse", "Child Sexual Abuse"),
    ("child-exploitation", "Child Exploitation"),
]

VENUES = {
    "county-hall": (
        "Committee Room 2, County Hall",
        "County Hall\nAykley Heads\nDurham",
        "DH1 5UL",
        "Step-free entrance from the main car park; hearing loop; accessible toilets on "
        "each floor. Durham station is a 15-minute walk.",
    ),
    "learning-centre": (
        "Riverside Learning Centre",
        "12 Example Street\nChester-le-Street",
        "DH3 3ZZ",
        "Ground-floor training room, level access, two accessible parking bays.",
    ),
}

ORGANISATIONS = [
    ("Durham Safeguarding Children Partnership", Sector.CHILDRENS_SOCIAL_CARE),
    ("Example County Council Children's Services", Sector.CHILDRENS_SOCIAL_CARE),
    ("Example Constabulary", Sector.POLICE),
    ("Example NHS Foundation Trust", Sector.HEALTH),
    ("Northfield Primary School", Sector.EDUCATION),
    ("Little Acorns Nursery", Sector.EARLY_YEARS),
    ("Riverside Youth Project", Sector.VOLUNTARY_COMMUNITY),
    ("Example Homes Housing Association", Sector.HOUSING),
    ("Example Probation Delivery Unit", Sector.PROBATION),
    ("Northern Safeguarding Associates", Sector.OTHER),
    ("Brightwater Training CIC", Sector.OTHER),
]

PRACTITIONERS = [
    ("Alex Morgan", "Social Worker", 1),
    ("Priya Desai", "Senior Practitioner", 1),
    ("Tom Fletcher", "Team Manager", 1),
    ("Hannah Reid", "Family Support Worker", 1),
    ("Daniel Okoro", "Detective Constable", 2),
    ("Sophie Turner", "Police Sergeant", 2),
    ("Marcus Bell", "PCSO", 2),
    ("Grace Lin", "Health Visitor", 3),
    ("Oliver Grant", "GP", 3),
    ("Fatima Hussain", "School Nurse", 3),
    ("Ruth Alden", "Named Nurse for Safeguarding", 3),
    ("James Whitfield", "Headteacher", 4),
    ("Emily Clarke", "Designated Safeguarding Lead", 4),
    ("Noah Patel", "Teaching Assistant", 4),
    ("Chloe Bennett", "Class Teacher", 4),
    ("Isla Murray", "Nursery Manager", 5),
    ("Leah Simmons", "Early Years Practitioner", 5),
    ("Ben Harrison", "Childminder", 5),
    ("Zara Ahmed", "Youth Worker", 6),
    ("Callum Price", "Volunteer Coordinator", 6),
    ("Megan Doyle", "Sports Coach", 6),
    ("Ethan Brooks", "Housing Officer", 7),
    ("Lily Watson", "Tenancy Support Worker", 7),
    ("Samuel Ford", "Probation Officer", 8),
    ("Aisha Khan", "Probation Service Officer", 8),
    ("Jack Robson", "Independent Reviewing Officer", 1),
    ("Maya Ellis", "Speech and Language Therapist", 3),
    ("Ryan Cooper", "Pastoral Lead", 4),
    ("Evie Shaw", "Play Worker", 6),
    ("Nathan Hale", "Domestic Abuse Caseworker", 6),
]


@dataclass(frozen=True)
class DemoSession:
    day: date
    start: time
    end: time
    delivery: str
    venue: str | None
    capacity: int
    fill: float  # share of capacity booked; above 1 means a waitlist
    # Fair allocation (docs/fair-allocation.md): session fields, e.g. {"promotion": "offer"}.
    allocation: dict | None = None


AWARENESS_WEEK = [
    (
        "awareness-voice-of-the-child",
        "Hearing the voice of the child",
        "voice-of-the-child",
        DemoSession(
            date(2021, 7, 12),
            time(12),
            time(14, 30),
            "in_person",
            "county-hall",
            12,
            1.4,
            allocation={"promotion": "offer", "offer_hours": 24},
        ),
    ),
    (
        "awareness-cumulative-harm",
        "Spotting cumulative harm",
        "risk-and-cumulative-harm",
        DemoSession(
            date(2021, 7, 13),
            time(12),
            time(14, 30),
            "online",
            None,
            40,
            0.6,
            allocation={
                "sector_quotas": [
                    {"sector": "police", "places": 4},
                    {"sector": "health", "places": 4},
                    {"sector": "education", "places": 4},
                ]
            },
        ),
    ),
    (
        "awareness-decision-making",
        "Decisions under pressure: management oversight",
        "decision-making",
        DemoSession(
            date(2021, 7, 14), time(12), time(14, 30), "in_person", "learning-centre", 20, 0.5
        ),
    ),
    (
        "awareness-child-sexual-abuse",
        "Talking about child sexual abuse",
        "child-sexual-abuse",
        DemoSession(date(2021, 7, 15), time(12), time(14, 30), "online", None, 15, 1.2),
    ),
    (
        "awareness-child-exploitation",
        "Child exploitation: county lines and online grooming",
        "child-exploitation",
        DemoSession(date(2021, 7, 16), time(12), time(14, 30), "hybrid", "county-hall", 25, 0.4),
    ),
]

COURSES = [
    (
        "child-sexual-abuse-harm",
        "Child Sexual Abuse/Harm",
        ["child-sexual-abuse"],
        [
            DemoSession(date(2021, 1, 12), time(12), time(15), "online", None, 20, 0.7),
            DemoSession(
                date(2021, 6, 15), time(9, 30), time(12, 30), "in_person", "county-hall", 16, 1.0
            ),
        ],
    ),
    (
        "child-exploitation",
        "Child Exploitation",
        ["child-exploitation"],
        [
            DemoSession(
                date(2021, 3, 9), time(9, 30), time(12, 30), "in_person", "learning-centre", 10, 1.3
            ),
            DemoSession(date(2021, 9, 14), time(13), time(16), "online", None, 24, 0.5),
        ],
    ),
    (
        "voice-of-the-child-in-practice",
        "The Voice of the Child in Practice",
        ["voice-of-the-child"],
        [
            DemoSession(date(2021, 4, 20), time(9, 30), time(12, 30), "online", None, 24, 0.6),
            DemoSession(
                date(2021, 11, 16), time(9, 30), time(12, 30), "in_person", "county-hall", 18, 0.3
            ),
        ],
    ),
    (
        "neglect-and-cumulative-harm",
        "Neglect and Cumulative Harm",
        ["risk-and-cumulative-harm"],
        [
            DemoSession(date(2021, 2, 23), time(10), time(13), "online", None, 20, 0.8),
            DemoSession(
                date(2021, 10, 5), time(10), time(13), "in_person", "learning-centre", 16, 0.4
            ),
        ],
    ),
    (
        "multi-agency-decision-making",
        "Multi-agency Decision Making and Escalation",
        ["decision-making"],
        [
            DemoSession(date(2021, 5, 18), time(13), time(16), "in_person", "county-hall", 20, 0.6),
            DemoSession(date(2021, 12, 7), time(13), time(16), "online", None, 30, 0.2),
        ],
    ),
    (
        "prevent-awareness",
        "PREVENT: Radicalisation Awareness",
        [],
        [
            DemoSession(date(2021, 6, 29), time(10), time(12), "online", None, 50, 0.3),
            DemoSession(date(2021, 11, 23), time(10), time(12), "online", None, 50, 0.2),
        ],
    ),
    (
        "safeguarding-procedures-update",
        "Multi-agency Safeguarding Procedures: What Has Changed",
        ["risk-and-cumulative-harm", "decision-making"],
        [DemoSession(date(2021, 8, 10), time(12), time(13, 30), "online", None, 60, 0.25)],
    ),
]


# Per course: refresher period in months (None: never) and whether the certificate waits for
# the evaluation (docs/after-the-session.md).
COURSE_RULES = {
    "child-sexual-abuse-harm": (24, True),
    "child-exploitation": (12, True),
    "voice-of-the-child-in-practice": (24, True),
    "neglect-and-cumulative-harm": (24, True),
    "multi-agency-decision-making": (36, True),
    "prevent-awareness": (36, False),
    # The procedures change often: a short refresher period, so some people are due soon.
    "safeguarding-procedures-update": (3, True),
}

# Last term: (course, weeks before this week, start, end, delivery, venue, capacity, fill).
# Each lies on the Tuesday of that week, as the courses do.
LAST_TERM = [
    ("child-sexual-abuse-harm", 11, time(12), time(15), "online", None, 20, 0.9),
    (
        "neglect-and-cumulative-harm",
        10,
        time(10),
        time(13),
        "in_person",
        "learning-centre",
        16,
        1.0,
    ),
    ("safeguarding-procedures-update", 9, time(12), time(13, 30), "online", None, 30, 0.7),
    ("child-exploitation", 8, time(9, 30), time(12, 30), "in_person", "county-hall", 14, 1.0),
    ("voice-of-the-child-in-practice", 6, time(9, 30), time(12, 30), "online", None, 24, 0.8),
    ("multi-agency-decision-making", 4, time(13), time(16), "in_person", "county-hall", 20, 0.7),
    ("prevent-awareness", 2, time(10), time(12), "online", None, 40, 0.6),
]

# What people wrote under "What will you do differently?" (invented, anonymous).
DIFFERENTLY = [
    "Ask the child what they think before I speak to the adults.",
    "Record the small worries too, so that the pattern shows.",
    "Phone the school nurse instead of waiting for the next meeting.",
    "Use the escalation procedure when a referral stalls.",
    "Share information sooner with the other agencies involved.",
    "Check who else is working with the family before I close a case.",
    "Write down the child's own words in my notes.",
    "Talk to my manager about cumulative harm in two of my cases.",
    "",
    "",
    "",
]


class Command(BaseCommand):
    help = "Load the demo partnership programme (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-published",
            action="store_true",
            help="Keep the 2021 dates and add a year's booking history.",
        )
        parser.add_argument(
            "--sign-ins-only", action="store_true", help="Only print the demo sign-ins."
        )

    def handle(self, *args, as_published: bool, sign_ins_only: bool, **options):
        if sign_ins_only:
            self.print_sign_ins()
            return
        self.as_published = as_published
        self.random = random.Random(2021)  # noqa: S311 -- repeatable demo data, not security
        with notifications.suppressed(), transaction.atomic():
            self.password = make_password(DEMO_PASSWORD)
            self.themes = self.load_themes()
            self.venues = self.load_venues()
            self.organisations = self.load_organisations()
            self.coordinator, self.trainers, self.practitioners = self.load_people()
            sessions = self.load_awareness_week() + self.load_training_schedule()
            if not as_published:
                sessions += self.load_last_term()
            created = sum(self.load_bookings(session) for session in sessions)
        self.stdout.write(
            f"Demo data ready: {len(sessions)} sessions, {created} new bookings"
            f" ({'2021 dates' if as_published else 'moved ahead of today, last term behind'})."
        )
        self.print_sign_ins()

    # Catalogue

    def load_themes(self) -> dict[str, Theme]:
        return {
            slug: Theme.objects.update_or_create(slug=slug, defaults={"title": title})[0]
            for slug, title in THEMES
        }

    def load_venues(self) -> dict[str, Venue]:
        venues = {}
        for key, (name, address, postcode, accessibility) in VENUES.items():
            venues[key], _ = Venue.objects.update_or_create(
                name=name,
                defaults={"address": address, "postcode": postcode, "accessibility": accessibility},
            )
        return venues

    def load_organisations(self) -> list[Organisation]:
        return [
            Organisation.objects.update_or_create(name=name, defaults={"sector": sector})[0]
            for name, sector in ORGANISATIONS
        ]

    def load_awareness_week(self) -> list[Session]:
        days = [item[3].day for item in AWARENESS_WEEK]
        programme = self.programme(
            "safeguarding-awareness-week-2021",
            "Safeguarding Awareness Week",
            "One facilitated lunchtime session a day, each on a different safeguarding theme, "
            "open to all practitioners and explored through case discussion. Places are "
            "limited: book in early to avoid disappointment.",
            days,
            lead=timedelta(days=4),
        )
        sessions = []
        for slug, title, theme, spec in AWARENESS_WEEK:
            event = self.event(
                programme,
                slug,
                title,
                [theme],
                summary=f"A lunchtime case discussion on {self.themes[theme].title.lower()}.",
            )
            sessions.append(
                self.session(event, spec, index=0, trainer=self.trainers[len(sessions) % 2])
            )
        return sessions

    def load_training_schedule(self) -> list[Session]:
        days = [spec.day for *_, specs in COURSES for spec in specs]
        programme = self.programme(
            "multi-agency-training-2021",
            "Multi-agency Training Schedule",
            "Courses commissioned by the partnership for everyone who works with children "
            "and families in County Durham, delivered by experienced trainers.",
            days,
            lead=timedelta(days=12),
        )
        sessions = []
        for number, (slug, title, themes, specs) in enumerate(COURSES):
            event = self.event(
                programme,
                slug,
                title,
                themes,
                summary=f"A multi-agency course: {title}.",
            )
            for index, spec in enumerate(specs):
                sessions.append(
                    self.session(event, spec, index=index, trainer=self.trainers[number % 2])
                )
        return sessions

    def load_last_term(self) -> list[Session]:
        """Last term's sessions of the training courses, in the weeks behind today."""
        today = timezone.localdate()
        this_tuesday = today - timedelta(days=(today.weekday() - 1) % 7)
        sessions = []
        for index, (slug, weeks, start, end, delivery, venue, capacity, fill) in enumerate(
            LAST_TERM
        ):
            event = Event.objects.get(slug=slug)
            spec = DemoSession(
                this_tuesday - timedelta(weeks=weeks), start, end, delivery, venue, capacity, fill
            )
            session = self.session(
                event,
                spec,
                index=f"last-term-{index}",
                trainer=self.trainers[index % 2],
                shifted=False,
            )
            # The demo practitioner has a training record: three sessions, one not evaluated.
            session.demo_people_first = [self.practitioners[0]] if index < 3 else []
            session.demo_leave_unevaluated = index == 2
            sessions.append(session)
        return sessions

    def programme(self, slug, title, summary, days, *, lead: timedelta) -> Programme:
        """Create the programme; remember the whole-week shift that moves it ahead of today.

        The title ends with the year(s) the programme runs in once moved ("2021", "2026-27");
        the slug keeps 2021, so loading again updates the same programme.
        """
        first = min(days)
        if self.as_published:
            self.shift = timedelta(0)
        else:
            weeks = (timezone.localdate() + lead - first).days // 7 + 1
            self.shift = timedelta(weeks=weeks)
        starts, ends = (first + self.shift).year, (max(days) + self.shift).year
        years = str(starts) if starts == ends else f"{starts}\u2013{ends % 100:02d}"
        programme, _ = Programme.objects.update_or_create(
            slug=slug,
            defaults={
                "title": f"{title} {years}",
                "summary": summary,
                "starts_on": first + self.shift,
                "ends_on": max(days) + self.shift,
                "published": True,
            },
        )
        return programme

    def event(self, programme, slug, title, theme_slugs, *, summary) -> Event:
        event, _ = Event.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title,
                "programme": programme,
                "summary": summary,
                "description": (
                    f"{summary} Practitioners from every agency work through anonymised "
                    "cases together, sharing how each service sees the same family."
                ),
                "audience": "All practitioners who work with children, young people and families.",
                "learning_outcomes": "\n".join(
                    [
                        "Recognise the signs and how they build up over time",
                        "Know when and how to share information with other agencies",
                        "Apply the multi-agency safeguarding procedures with confidence",
                    ]
                ),
            },
        )
        event.themes.set([self.themes[slug] for slug in theme_slugs])
        if slug in COURSE_RULES:
            event.refresher_months, event.certificate_requires_evaluation = COURSE_RULES[slug]
            event.save(update_fields=["refresher_months", "certificate_requires_evaluation"])
        return event

    def session(
        self, event, spec: DemoSession, *, index, trainer: User, shifted: bool = True
    ) -> Session:
        day = spec.day + self.shift if shifted else spec.day
        tz = timezone.get_current_timezone()
        uid = uuid.uuid5(DEMO_NAMESPACE, f"{event.slug}/{index}")
        session, _ = Session.objects.update_or_create(
            uid=uid,
            defaults={
                "event": event,
                "starts_at": datetime.combine(day, spec.start, tzinfo=tz),
                "ends_at": datetime.combine(day, spec.end, tzinfo=tz),
                "delivery": spec.delivery,
                "venue": self.venues[spec.venue] if spec.venue else None,
                "join_url": (
                    f"https://meet.example.org/convene-{uid.hex[:10]}"
                    if spec.delivery != "in_person"
                    else ""
                ),
                "capacity": spec.capacity,
                "waitlist_enabled": True,
                **(spec.allocation or {}),
            },
        )
        session.trainers.set([trainer])
        session.demo_fill = spec.fill
        return session

    # People

    def load_people(self):
        coordinator = self.person(
            "helen.marsh@example.org", "Helen Marsh", "Training Coordinator", self.organisations[0]
        )
        make_coordinator(coordinator)
        trainers = [
            self.person(
                "amara.okafor@example.com",
                "Dr Amara Okafor",
                "Safeguarding Consultant",
                self.organisations[9],
            ),
            self.person(
                "gareth.lowry@example.com", "Gareth Lowry", "Lead Trainer", self.organisations[10]
            ),
        ]
        practitioners = [
            self.person(
                f"{name.lower().replace(' ', '.')}@example.org",
                name,
                job_title,
                self.organisations[organisation],
            )
            for name, job_title, organisation in PRACTITIONERS
        ]
        return coordinator, trainers, practitioners

    def person(self, email, full_name, job_title, organisation) -> User:
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "job_title": job_title,
                "organisation": organisation,
                "password": self.password,
                "verified_at": timezone.now(),
            },
        )
        return user

    # Bookings

    def load_bookings(self, session: Session) -> int:
        if Booking.objects.filter(session=session).exists():
            return 0
        wanted = round(session.capacity * session.demo_fill)
        first = getattr(session, "demo_people_first", [])
        others = [person for person in self.practitioners if person not in first]
        people = first + self.random.sample(others, min(wanted, len(others)) - len(first))
        # Bookings are made through the booking rules, a few weeks before the session.
        booked_at = session.starts_at - timedelta(days=21)
        if not self.as_published:
            # Older than the day in which the outbox sweep looks for lost booking messages:
            # demo bookings are loaded without messages on purpose.
            booked_at = min(booked_at, timezone.now() - timedelta(days=2))
        bookings = []
        for offset, person in enumerate(people):
            try:
                bookings.append(
                    booking_services.book_session(
                        session,
                        person=person,
                        source=Booking.Source.WEB,
                        access_needs=self.access_needs(),
                        # Demo people are drawn at random: a clash is theirs to accept.
                        allow_conflict=True,
                        now=booked_at + timedelta(minutes=offset),
                    )
                )
            except DomainError:
                break
        if session.ends_at < timezone.now():
            self.add_history(session, bookings)
        return len(bookings)

    def access_needs(self) -> str:
        needs = ["", "", "", "", "", "", "Step-free access, please.", "I use a hearing loop."]
        return self.random.choice(needs)

    def add_history(self, session: Session, bookings: list[Booking]) -> None:
        """Cancel a few late; about half check themselves in, the trainer marks the rest as
        the session ends; most of those who came evaluate it (all through the rules)."""
        first = getattr(session, "demo_people_first", [])
        confirmed = [b for b in bookings if b.status == Booking.Status.CONFIRMED]
        late = [b for b in confirmed if b.person not in first][-2:] if len(confirmed) > 6 else []
        for booking in late:
            booking_services.cancel_booking(
                booking, by=booking.person, now=session.starts_at - timedelta(hours=20)
            )
        trainer = session.trainers.first()
        code = booking_rules.check_in_code(session)
        for booking in Booking.objects.confirmed().filter(session=session).select_related("person"):
            attended = booking.person in first or self.random.random() >= 0.12
            if attended and self.random.random() < 0.5:
                booking_services.check_in(
                    session,
                    person=booking.person,
                    code=code,
                    now=session.starts_at - timedelta(minutes=self.random.randint(1, 20)),
                )
            else:
                booking_services.mark_attendance(
                    booking,
                    attendance="attended" if attended else "absent",
                    by=trainer,
                    now=session.ends_at,
                )
            # The demo practitioner leaves their third session unevaluated: their record
            # shows a certificate waiting for the evaluation.
            skip = (
                first
                and session.demo_people_first
                and booking.person in first
                and (getattr(session, "uid", None) == self.last_unevaluated_uid())
            )
            if attended and not skip and self.random.random() < 0.8:
                self.evaluate(booking, session)

    def last_unevaluated_uid(self):
        return uuid.uuid5(DEMO_NAMESPACE, f"{LAST_TERM[2][0]}/last-term-2")

    def evaluate(self, booking: Booking, session: Session) -> None:
        """Answers that show what such training does: confidence up by about one point."""
        questions = evaluation_questions(session.event)
        before = self.random.choice([2, 2, 3, 3, 3, 4, 2, 3, 4, 3])
        after = min(5, before + self.random.choice([0, 1, 1, 1, 1, 2, 2]))
        ratings = {
            "confidence_before": before,
            "confidence_after": after,
            "usefulness": self.random.choice([3, 4, 4, 4, 5, 5, 5]),
        }
        answers = {}
        for question in questions:
            if question.kind == question.Kind.RATING:
                answers[str(question.pk)] = ratings.get(question.key, 4)
            elif text := self.random.choice(DIFFERENTLY):
                answers[str(question.pk)] = text
        booking_services.submit_evaluation(
            booking,
            by=booking.person,
            answers=answers,
            now=session.ends_at + timedelta(minutes=self.random.randint(5, 60 * 48)),
        )

    def print_sign_ins(self) -> None:
        self.stdout.write(
            "\nDemo sign-ins (admin password for each: "
            f"{DEMO_PASSWORD}; the website signs in by emailed link):\n"
            "  practitioner  alex.morgan@example.org\n"
            "  trainer       amara.okafor@example.com  (and gareth.lowry@example.com)\n"
            "  coordinator   helen.marsh@example.org  (Manage training at /manage/)\n"
        )
