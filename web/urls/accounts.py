from django.urls import path

from web.views import accounts as views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/check-your-email/", views.check_email, name="check_email"),
    path("sign-in/link/", views.sign_in_link_page, name="sign_in_link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("account/", views.profile, name="profile"),
    path("account/details/", views.details, name="details"),
    path("account/calendar-link/", views.renew_calendar_link, name="renew_calendar_link"),
]
