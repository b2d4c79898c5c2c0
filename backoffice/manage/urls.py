from django.urls import path

from backoffice import integrations
from backoffice.manage import views

app_name = "manage"

urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/capacity/", views.session_capacity, name="session_capacity"),
    path("sessions/<int:pk>/allocation/", views.session_allocation, name="session_allocation"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/duplicate/", views.session_duplicate, name="session_duplicate"),
    path("sessions/<int:pk>/message/", views.session_message, name="session_message"),
    path("sessions/<int:pk>/book/", views.book_someone_in, name="book_someone_in"),
    path("sessions/<int:pk>/trainers/", views.session_trainers, name="session_trainers"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/new/", views.programme_form, name="programme_create"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme"),
    path("programmes/<int:pk>/edit/", views.programme_form, name="programme_edit"),
    path("programmes/<int:pk>/publish/", views.programme_publish, name="programme_publish"),
    path("programmes/<int:pk>/duplicate/", views.programme_duplicate, name="programme_duplicate"),
    path("courses/new/", views.event_form, name="event_create"),
    path("courses/<int:pk>/edit/", views.event_form, name="event_edit"),
    path("courses/<int:pk>/evaluation/", views.evaluation_questions, name="event_evaluation"),
    path("evaluation/", views.evaluation_questions, name="evaluation_defaults"),
    path("venues/", views.venues, name="venues"),
    path("venues/new/", views.venue_form, name="venue_create"),
    path("venues/<int:pk>/edit/", views.venue_form, name="venue_edit"),
    path("themes/", views.themes, name="themes"),
    path("themes/new/", views.theme_form, name="theme_create"),
    path("themes/<int:pk>/edit/", views.theme_form, name="theme_edit"),
    path("bookings/<int:pk>/transfer/", views.booking_transfer, name="booking_transfer"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/excuse/", views.booking_excuse, name="booking_excuse"),
    path("webhooks/", integrations.webhooks, name="webhooks"),
    path("approvals/", integrations.approvals, name="approvals"),
    path("approvals/<int:pk>/", integrations.decide_approval, name="decide_approval"),
    path("webhooks/<int:pk>/delete/", integrations.delete_webhook, name="delete_webhook"),
    path("webhooks/<int:pk>/enable/", integrations.enable_webhook, name="enable_webhook"),
]
