"""The practitioner's site: catalogue, booking, account and privacy pages, calendar feeds."""

from django.urls import include, path
from django.views.generic import TemplateView

from web.views.health import healthz
from web.views.privacy import privacy_notice

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("calendar/", include("web.urls.calendar")),
    path("", include("web.urls.privacy")),
    path("", include("web.urls.catalogue")),
    path("", include("web.urls.bookings")),
    path("", include("web.urls.accounts")),
    path("", include("web.urls.approvals")),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", privacy_notice, name="privacy"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html"), name="cookies"),
]
