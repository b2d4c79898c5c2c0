from django.urls import path, re_path

from web.views import after_session
from web.views import bookings as views

app_name = "booking"

urlpatterns = [
    path("sessions/<int:pk>/book/", views.book, name="book"),
    path("bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking"),
    path("bookings/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("sessions/<int:pk>/check-in/", after_session.check_in, name="check_in"),
    path("bookings/<int:pk>/evaluation/", after_session.evaluate, name="evaluate"),
    path(
        "account/training-record/",
        after_session.training_record_page,
        name="training_record",
    ),
    path(
        "account/training-record.csv",
        after_session.training_record_download,
        {"file_format": "csv"},
        name="training_record_csv",
    ),
    path(
        "account/training-record.pdf",
        after_session.training_record_download,
        {"file_format": "pdf"},
        name="training_record_pdf",
    ),
    re_path(
        r"^bookings/(?P<pk>[0-9]+)/(?P<answer>accept|decline)/$",
        views.answer_offer,
        name="answer_offer",
    ),
    # One-click links from the offer email (no sign-in): the token names the booking.
    re_path(
        r"^offers/(?P<token>[^/]+)/(?P<answer>accept|decline)/$", views.offer_link, name="offer"
    ),
]
