import os

import pytest
from django.conf import settings

from tests import factories

IN_CI = os.environ.get("CI") == "true"


def uses_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    """Skip PostgreSQL-only tests on SQLite locally; .ci/run runs them on PostgreSQL."""
    if uses_postgres():
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/convene "
        "(CI runs these on its PostgreSQL pass)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _mail_in_memory(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")


@pytest.fixture
def person(db):
    return factories.UserFactory()


@pytest.fixture
def coordinator(db):
    return factories.CoordinatorFactory()


@pytest.fixture
def trainer(db):
    return factories.UserFactory(full_name="Terry Trainer")


@pytest.fixture
def session(db, trainer):
    session = factories.SessionFactory(capacity=2)
    session.trainers.add(trainer)
    return session
