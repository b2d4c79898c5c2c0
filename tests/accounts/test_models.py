import pytest
from django.db import IntegrityError

from accounts.models import User
from tests.factories import CoordinatorFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_lowercases_email():
    user = User.objects.create_user("Sam.Example@Example.ORG")

    assert user.email == "sam.example@example.org"


def test_email_is_unique_whatever_the_case():
    User.objects.create_user("sam@example.org")

    with pytest.raises(IntegrityError):
        User.objects.create(email="SAM@example.org")


def test_login_finds_user_whatever_the_case():
    user = User.objects.create_user("sam@example.org")

    assert User.objects.get_by_natural_key("SAM@Example.org") == user


def test_roles_follow_group_and_assignment():
    practitioner = UserFactory()
    trainer = UserFactory()
    SessionFactory().trainers.add(trainer)
    coordinator = CoordinatorFactory()

    assert practitioner.roles == ["practitioner"]
    assert trainer.roles == ["practitioner", "trainer"]
    assert coordinator.roles == ["practitioner", "coordinator"]
    assert coordinator.is_staff


def test_feed_tokens_are_long_and_distinct():
    first, second = UserFactory(), UserFactory()

    assert len(first.feed_token) >= 40
    assert first.feed_token != second.feed_token
