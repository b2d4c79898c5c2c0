import pytest

from tests.webhooks.receiver import Receiver
from webhooks import services


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def allow_private(settings):
    """The test receiver listens on 127.0.0.1: allowed only with WEBHOOK_ALLOW_PRIVATE."""
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def endpoint_for(allow_private, coordinator):
    def make(url, events=("booking.created",)):
        return services.create_endpoint(url=url, events=list(events), by=coordinator)

    return make
