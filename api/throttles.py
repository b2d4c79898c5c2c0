"""DRF throttles whose rates are read from settings on every use, so tests and deployments
can change ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (DRF reads them once at import)."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework import throttling
from rest_framework.settings import api_settings


class _RateFromSettings:
    def get_rate(self):
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError as error:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}.") from error


class AnonThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Anonymous requests, per IP address (scope ``anon``)."""


class UserThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Signed-in requests, per person (scope ``user``)."""


class BookingThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Booking attempts, per person (scope ``booking``)."""

    scope = "booking"
