from django.urls import path

from backoffice import views

app_name = "staff"

urlpatterns = [
    path("trainer/", views.my_sessions, name="my_sessions"),
    path("trainer/sessions/<int:pk>/", views.register, name="register"),
    path(
        "trainer/sessions/<int:pk>/attendance/<int:booking_id>/",
        views.mark_attendance,
        name="mark_attendance",
    ),
    path(
        "trainer/sessions/<int:pk>/remaining-absent/",
        views.mark_remaining_absent,
        name="mark_remaining_absent",
    ),
    path("trainer/sessions/<int:pk>/register.csv", views.export_csv, name="register_csv"),
    path("trainer/sessions/<int:pk>/register.xlsx", views.export_xlsx, name="register_xlsx"),
    path("trainer/sessions/<int:pk>/sign-in-sheet.pdf", views.export_pdf, name="sign_in_sheet"),
    path("bookings/<int:pk>/certificate.pdf", views.certificate, name="certificate"),
    path(
        "trainer/sessions/<int:pk>/evaluation/",
        views.session_evaluation,
        name="session_evaluation",
    ),
    path("reports/", views.reports, name="reports"),
    path("reports/evaluations/", views.evaluation_summaries, name="evaluation_summaries"),
    path("reports/refreshers/", views.refreshers, name="refreshers"),
    path("reports/report.csv", views.reports_csv, name="reports_csv"),
]
