"""A sign-in link works once, also when several requests use it at the same moment (issue 21).

django-sesame binds a one-time token to ``last_login``; every request that checked the token
before the first sign-in wrote ``last_login`` would have signed in too. The link is now spent by
one conditional UPDATE, so exactly one request wins.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from sesame.utils import get_token

from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_link_posted_eight_times_at_once_signs_in_once():
    person = UserFactory()
    token = get_token(person)
    barrier = threading.Barrier(8)
    results = []
    lock = threading.Lock()

    def use_link():
        client = Client()
        try:
            barrier.wait()
            response = client.post("/sign-in/link/", {"token": token, "next": "/bookings/"})
            with lock:
                results.append((response.status_code, "_auth_user_id" in client.session))
        finally:
            connection.close()

    threads = [threading.Thread(target=use_link) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [(302, True)] + [(400, False)] * 7
