"""Least privilege in the admin: what a coordinator may not do, and every role change audited."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.roles import COORDINATORS_GROUP
from accounts.services import issue_api_token
from audit.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.org", "a-long-password-1")


def change_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def escalation(person, **extra) -> dict:
    """Everything an attacker would add to the change form: superuser, staff, any group,
    permissions and a password."""
    return {
        "email": person.email,
        "full_name": person.full_name,
        "job_title": person.job_title,
        "organisation": person.organisation_id or "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [Group.objects.create(name="Everything").pk],
        "user_permissions": [],
        "password": "md5$x$y",
        "password1": "Hunter2-hunter2",
        "password2": "Hunter2-hunter2",
        **extra,
    }


def test_a_coordinator_cannot_make_anyone_superuser_staff_or_give_other_groups(client, coordinator):
    person = UserFactory()
    client.force_login(coordinator)

    response = client.post(change_url(person), escalation(person))

    assert response.status_code == 302, response.content
    person.refresh_from_db()
    assert (person.is_superuser, person.is_staff) == (False, False)
    assert list(person.groups.all()) == []
    assert person.check_password("Hunter2-hunter2") is False


def test_a_coordinator_cannot_escalate_themself(client, coordinator):
    client.force_login(coordinator)

    client.post(change_url(coordinator), escalation(coordinator, coordinator="on"))

    coordinator.refresh_from_db()
    assert coordinator.is_superuser is False
    assert sorted(coordinator.groups.values_list("name", flat=True)) == [COORDINATORS_GROUP]


def test_the_coordinators_form_offers_no_password_superuser_staff_or_groups(client, coordinator):
    person = UserFactory()
    client.force_login(coordinator)

    form = client.get(change_url(person)).context["adminform"].form

    assert set(form.fields) == {
        "email",
        "full_name",
        "job_title",
        "organisation",
        "is_active",
        "coordinator",
    }


def test_a_coordinator_cannot_set_a_password(client, coordinator):
    person = UserFactory()
    client.force_login(coordinator)
    url = reverse("admin:auth_user_password_change", args=[person.pk]).replace(
        "/auth/user/", "/accounts/user/"
    )

    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"password1": "Hunter2-hunter2", "password2": "Hunter2-hunter2", "usable_password": "true"},
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.check_password("Hunter2-hunter2") is False


def test_a_coordinator_cannot_change_or_delete_a_superuser(client, coordinator, superuser):
    client.force_login(coordinator)

    assert client.get(change_url(superuser)).status_code in (403, 200)
    response = client.post(change_url(superuser), escalation(superuser, email="evil@example.org"))
    assert response.status_code == 403
    delete = client.post(
        reverse("admin:accounts_user_delete", args=[superuser.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    superuser.refresh_from_db()
    assert superuser.email == "root@example.org"


def test_a_coordinator_gives_the_coordinator_role_and_it_is_audited(client, coordinator):
    person = UserFactory()
    client.force_login(coordinator)
    data = escalation(person, coordinator="on")

    assert client.post(change_url(person), data).status_code == 302

    person.refresh_from_db()
    assert person.is_staff is True
    assert sorted(person.groups.values_list("name", flat=True)) == [COORDINATORS_GROUP]
    (event,) = AuditEvent.objects.filter(action="accounts.role_changed")
    assert (event.actor_ref, event.target_id) == (coordinator.pk, str(person.pk))
    assert event.data["before"]["groups"] == []
    assert event.data["after"] == {
        "is_staff": True,
        "is_superuser": False,
        "groups": [COORDINATORS_GROUP],
        "permissions": 0,
    }

    data.pop("coordinator")
    assert client.post(change_url(person), data).status_code == 302
    person.refresh_from_db()
    assert (person.is_staff, list(person.groups.all())) == (False, [])
    assert AuditEvent.objects.filter(action="accounts.role_changed").count() == 2


def test_a_superuser_may_grant_superuser_and_it_is_audited(client, superuser):
    person = UserFactory()
    client.force_login(superuser)
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "job_title": person.job_title,
        "organisation": person.organisation_id or "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2021-07-01",
        "date_joined_1": "09:00:00",
    }

    response = client.post(change_url(person), data)

    assert response.status_code == 302, response.content
    person.refresh_from_db()
    assert person.is_superuser is True
    (event,) = AuditEvent.objects.filter(action="accounts.role_changed", target_id=str(person.pk))
    assert event.actor_ref == superuser.pk
    assert event.data["after"]["is_superuser"] is True


def test_nobody_moves_an_api_token_to_another_person(client, coordinator):
    owner, other = UserFactory(), UserFactory()
    issue_api_token(owner)
    token = ApiToken.objects.get()
    client.force_login(coordinator)

    response = client.post(
        reverse("admin:accounts_apitoken_change", args=[token.pk]),
        {"user": other.pk, "name": "moved", "expires_at_0": "", "expires_at_1": ""},
    )

    assert response.status_code == 302, response.content
    token.refresh_from_db()
    assert token.user == owner
    assert token.name == "moved"


def test_create_api_token_with_the_coordinator_role_is_audited(db):
    from django.core.management import call_command

    call_command("create_api_token", "new@example.org", "--create", "--role", "coordinator")

    (event,) = AuditEvent.objects.filter(action="accounts.role_changed")
    assert event.actor_ref is None
    assert event.data["after"]["groups"] == [COORDINATORS_GROUP]


def test_an_account_created_as_superuser_is_audited(db):
    root = User.objects.create_superuser("root2@example.org", "a-long-password-2")
    UserFactory()  # an ordinary account is not a role change

    (event,) = AuditEvent.objects.filter(action="accounts.role_changed")
    assert (event.target_id, event.actor_ref) == (str(root.pk), None)
    assert event.data["after"]["is_superuser"] is True
    assert event.data["before"] == {
        "is_staff": False,
        "is_superuser": False,
        "groups": [],
        "permissions": 0,
    }
