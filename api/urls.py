from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api import views
from api.errors import not_found

v1 = [
    path("programmes/", views.ProgrammeListView.as_view(), name="programme-list"),
    path("programmes/<slug:slug>/", views.ProgrammeDetailView.as_view(), name="programme-detail"),
    path("themes/", views.ThemeListView.as_view(), name="theme-list"),
    path("events/", views.EventListView.as_view(), name="event-list"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="event-detail"),
    path("events/<slug:slug>/interest/", views.EventInterestView.as_view(), name="event-interest"),
    path("sessions/", views.SessionListView.as_view(), name="session-list"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("sessions/<int:pk>/cancel/", views.SessionCancelView.as_view(), name="session-cancel"),
    path(
        "sessions/<int:pk>/bookings/", views.SessionBookingsView.as_view(), name="session-bookings"
    ),
    path(
        "sessions/<int:pk>/attendees/",
        views.SessionAttendeesView.as_view(),
        name="session-attendees",
    ),
    path(
        "sessions/<int:pk>/check-in-code/",
        views.SessionCheckInCodeView.as_view(),
        name="session-check-in-code",
    ),
    path(
        "sessions/<int:pk>/check-in/", views.SessionCheckInView.as_view(), name="session-check-in"
    ),
    path(
        "sessions/<int:pk>/evaluation-summary/",
        views.SessionEvaluationSummaryView.as_view(),
        name="session-evaluation-summary",
    ),
    path("bookings/", views.BookingListView.as_view(), name="booking-list"),
    path("bookings/<int:pk>/", views.BookingDetailView.as_view(), name="booking-detail"),
    path("bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="booking-cancel"),
    path("bookings/<int:pk>/accept/", views.BookingAcceptView.as_view(), name="booking-accept"),
    path("bookings/<int:pk>/decline/", views.BookingDeclineView.as_view(), name="booking-decline"),
    path(
        "bookings/<int:pk>/attendance/",
        views.BookingAttendanceView.as_view(),
        name="booking-attendance",
    ),
    path(
        "bookings/<int:pk>/evaluation/",
        views.BookingEvaluationView.as_view(),
        name="booking-evaluation",
    ),
    path(
        "bookings/<int:pk>/certificate/",
        views.BookingCertificateView.as_view(),
        name="booking-certificate",
    ),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/training-record/", views.TrainingRecordView.as_view(), name="training-record"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", views.WebhookDetailView.as_view(), name="webhook-detail"),
    path(
        "webhooks/<int:pk>/deliveries/",
        views.WebhookDeliveriesView.as_view(),
        name="webhook-deliveries",
    ),
]

urlpatterns = [
    path("v1/", include((v1, "api_v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for a CSP to block.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # Anything else under /api/ is a JSON 404, never the site's HTML page.
    re_path(r"", not_found),
]
