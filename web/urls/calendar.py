"""Calendar feeds, included at ``calendar/`` (``/calendar/sessions.ics`` ...)."""

from django.urls import path

from web import feeds

app_name = "calendar"

urlpatterns = [
    path("sessions.ics", feeds.sessions_feed, name="sessions"),
    path("programmes/<slug:slug>.ics", feeds.programme_feed, name="programme"),
    path("themes/<slug:slug>.ics", feeds.theme_feed, name="theme"),
    path("me/<str:token>.ics", feeds.personal_feed, name="personal"),
    path("trainer/<str:token>.ics", feeds.trainer_feed, name="trainer"),
]
