from django.urls import path

from web import feeds
from web.views import catalogue as views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/calendar.ics", feeds.session_calendar, name="session_calendar"),
    path("programmes/<slug:slug>/", views.programme_detail, name="programme"),
    path("events/<slug:slug>/", views.event_detail, name="event"),
    path("events/<slug:slug>/interest/", views.interest, name="interest"),
    # The remove link in a "new dates" email (no sign-in): the token names the interest.
    path("interest/<str:token>/", views.interest_link, name="interest_remove"),
]
