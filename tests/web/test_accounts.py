import re
from datetime import timedelta
from email.utils import parseaddr

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from sesame.utils import get_user

from accounts.models import Organisation, Sector, User
from tests.factories import UserFactory

SIGN_IN = "/sign-in/"


def recipients() -> list[str]:
    return [parseaddr(message.to[0])[1] for message in mail.outbox]


def link_from(message) -> str:
    return re.search(r"http://\S+/sign-in/link/\S+", message.body).group(0)


def path_of(link: str, settings) -> str:
    return link.removeprefix(settings.SITE_URL)


def test_sign_in_emails_a_link_that_signs_in_once(ask_for_link, client, person, settings):
    response = ask_for_link({"email": person.email.upper()})

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/check-your-email/"
    assert recipients() == [person.email]
    link = path_of(link_from(mail.outbox[0]), settings)

    page = client.get(link)
    assert page.status_code == 200
    assert "You are signing in as" in page.text
    token = page.context["form"]["token"].value()

    signed_in = client.post("/sign-in/link/", {"token": token, "next": "/bookings/"})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/bookings/"
    assert client.session["_auth_user_id"] == str(person.pk)

    client.logout()
    replay = client.post("/sign-in/link/", {"token": token, "next": "/bookings/"})
    assert replay.status_code == 400
    assert "expired or has already been used" in replay.text
    assert "_auth_user_id" not in client.session


def test_opening_the_link_does_not_use_it_up(ask_for_link, client, person, settings):
    ask_for_link({"email": person.email})
    link = path_of(link_from(mail.outbox[0]), settings)

    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    assert "_auth_user_id" not in client.session


def test_sign_in_link_expires_after_fifteen_minutes(ask_for_link, client, person, settings):
    ask_for_link({"email": person.email})
    link = path_of(link_from(mail.outbox[0]), settings)

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = client.get(link)

    assert response.status_code == 400


def test_sign_in_answers_the_same_whether_or_not_the_address_is_known(ask_for_link, client, person):
    known = ask_for_link({"email": person.email})
    unknown = ask_for_link({"email": "nobody.yet@example.org"})
    barred = UserFactory(is_active=False)
    inactive = ask_for_link({"email": barred.email})

    assert (known.status_code, known["Location"]) == (302, "/sign-in/check-your-email/")
    assert (unknown.status_code, unknown["Location"]) == (302, "/sign-in/check-your-email/")
    assert (inactive.status_code, inactive["Location"]) == (302, "/sign-in/check-your-email/")
    assert recipients() == [person.email, "nobody.yet@example.org"]


def test_sign_in_is_rate_limited_per_address(ask_for_link, client, person, settings):
    settings.SIGN_IN_LINKS_PER_ADDRESS = 3
    start = timezone.now()
    statuses = []
    for second in range(4):
        # A second apart: links asked for within the same second are the same link.
        with time_machine.travel(start + timedelta(seconds=second), tick=False):
            statuses.append(ask_for_link({"email": person.email}).status_code)

    assert statuses == [302, 302, 302, 429]
    assert len(mail.outbox) == 3


def test_sign_in_with_a_malformed_address_shows_the_error_summary(ask_for_link, client):
    response = ask_for_link({"email": "not an address"})

    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#id_email"' in response.text
    assert "Enter an email address in the correct format" in response.text
    assert mail.outbox == []


def test_first_sign_in_asks_for_details_then_returns(ask_for_link, client, settings, session):
    ask_for_link({"email": "new.person@example.org", "next": session.get_absolute_url()})
    page = client.get(path_of(link_from(mail.outbox[0]), settings))
    form = page.context["form"]

    response = client.post(
        "/sign-in/link/", {"token": form["token"].value(), "next": form["next"].value()}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/account/details/?next=%2Fsessions%2F{session.pk}%2F"

    saved = client.post(
        "/account/details/",
        {
            "full_name": "  Jordan   Lee ",
            "job_title": "Health Visitor",
            "organisation_name": "Example Health Trust",
            "sector": Sector.HEALTH,
            "next": session.get_absolute_url(),
        },
    )
    assert saved.status_code == 302
    assert saved["Location"] == session.get_absolute_url()
    user = User.objects.get(email="new.person@example.org")
    assert (user.full_name, user.job_title, user.organisation.name, user.organisation.sector) == (
        "Jordan Lee",
        "Health Visitor",
        "Example Health Trust",
        Sector.HEALTH,
    )
    assert user.verified_at is not None


def test_details_join_an_existing_organisation_whatever_its_case(client, person):
    existing = Organisation.objects.create(name="Example Constabulary", sector=Sector.POLICE)
    client.force_login(person)

    client.post(
        "/account/details/",
        {
            "full_name": "Pat Example",
            "job_title": "PCSO",
            "organisation_name": "example constabulary",
            "sector": Sector.OTHER,
        },
    )

    person.refresh_from_db()
    assert person.organisation == existing


def test_details_errors_are_listed_and_linked(client, person):
    client.force_login(person)

    response = client.post("/account/details/", {"full_name": "", "job_title": ""})

    assert response.status_code == 400
    assert 'href="#id_full_name"' in response.text
    assert 'href="#id_sector_0"' in response.text
    assert "Select the sector your organisation is in" in response.text


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_to_another_site(ask_for_link, client, person, settings, next_url):
    ask_for_link({"email": person.email, "next": next_url})
    page = client.get(path_of(link_from(mail.outbox[0]), settings))

    response = client.post(
        "/sign-in/link/", {"token": page.context["form"]["token"].value(), "next": next_url}
    )

    assert response["Location"] == "/bookings/"


def test_profile_shows_the_personal_feed_and_renews_it(client, person, settings):
    client.force_login(person)
    old_token = person.feed_token

    page = client.get("/account/")
    renewed = client.post("/account/calendar-link/")

    person.refresh_from_db()
    assert f"{settings.SITE_URL}/calendar/me/{old_token}.ics" in page.text
    assert "webcal://" in page.text
    assert renewed["Location"] == "/account/"
    assert person.feed_token != old_token
    assert old_token not in client.get("/account/").text


def test_sign_out_needs_a_post(client, person):
    client.force_login(person)

    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_pages_that_need_sign_in_send_people_to_it(client):
    response = client.get("/bookings/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in") + "?next=/bookings/"


def test_a_local_run_shows_the_link_because_no_mail_leaves_the_machine(
    ask_for_link, client, person, settings
):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "notifications.backends.EmlFileBackend"

    ask_for_link({"email": person.email})
    page = client.get("/sign-in/check-your-email/")

    assert "open the sign-in link" in page.text
    token = re.search(r"/sign-in/link/\?token=([\w.:-]+)&amp;", page.text).group(1)
    assert get_user(token, update_last_login=False) == person
    assert token not in str(dict(client.session))
    assert "no-store" in page["Cache-Control"]


@pytest.mark.parametrize(
    ("debug", "remote_addr"), [(False, "127.0.0.1"), (True, "192.0.2.10"), (True, "10.0.0.5")]
)
def test_the_local_link_needs_debug_and_a_request_from_this_machine(
    client, person, settings, debug, remote_addr
):
    settings.DEBUG = debug
    settings.EMAIL_BACKEND = "notifications.backends.EmlFileBackend"

    client.post(SIGN_IN, {"email": person.email}, REMOTE_ADDR=remote_addr)
    page = client.get("/sign-in/check-your-email/", REMOTE_ADDR=remote_addr)

    assert page.status_code == 200
    assert "/sign-in/link/?token=" not in page.text
    assert "open the sign-in link" not in page.text


def test_a_real_mail_backend_never_shows_the_link(ask_for_link, client, person, settings):
    settings.DEBUG = True

    ask_for_link({"email": person.email})
    page = client.get("/sign-in/check-your-email/")

    assert "/sign-in/link/?token=" not in page.text


def test_menu_shows_manage_to_coordinators_and_admin_to_superusers(client, person, coordinator):
    client.force_login(person)
    practitioner_menu = client.get("/").text
    client.force_login(coordinator)
    coordinator_menu = client.get("/").text
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    superuser_menu = client.get("/").text

    assert 'href="/manage/"' not in practitioner_menu
    assert 'href="/admin/"' not in practitioner_menu
    assert 'href="/manage/"' in coordinator_menu
    assert 'href="/admin/"' not in coordinator_menu
    assert 'href="/admin/"' in superuser_menu
    assert "My bookings" in practitioner_menu


def test_menu_shows_my_sessions_to_trainers_and_reports_to_coordinators(
    client, person, trainer, coordinator, session
):
    menus = {}
    for role, user in (
        ("practitioner", person),
        ("trainer", trainer),
        ("coordinator", coordinator),
    ):
        client.force_login(user)
        menus[role] = client.get("/").text

    assert ['href="/trainer/"' in menus[role] for role in menus] == [False, True, False]
    assert ['href="/reports/"' in menus[role] for role in menus] == [False, False, True]
    assert ">My sessions</a>" in menus["trainer"]
    assert ">Reports</a>" in menus["coordinator"]


@pytest.mark.parametrize(
    ("user", "path", "label"),
    [("trainer", "/trainer/", "My sessions"), ("coordinator", "/reports/", "Reports")],
)
def test_menu_marks_the_staff_page_you_are_on(client, request, session, user, path, label):
    user = request.getfixturevalue(user)
    if path == "/trainer/":
        session.trainers.add(user)
    client.force_login(user)

    page = client.get(path).text

    assert (
        f'<a class="govuk-service-navigation__link" href="{path}" aria-current="true">'
        f'<strong class="govuk-service-navigation__active-fallback">{label}</strong></a>'
    ) in page


def test_trainer_signs_in_through_the_website_and_reaches_my_sessions(
    ask_for_link, client, trainer, session, settings
):
    asked = client.get("/trainer/")
    assert asked["Location"] == "/sign-in/?next=/trainer/"

    ask_for_link({"email": trainer.email, "next": "/trainer/"})
    form = client.get(path_of(link_from(mail.outbox[0]), settings)).context["form"]
    signed_in = client.post(
        "/sign-in/link/", {"token": form["token"].value(), "next": form["next"].value()}
    )

    assert signed_in["Location"] == "/trainer/"
    page = client.get("/trainer/")
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-xl">My sessions</h1>' in page.text
    assert f'href="/trainer/sessions/{session.pk}/"' in page.text
    assert 'href="/trainer/" aria-current="true"' in page.text
