from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from accounts.privacy_views import privacy_notice
from convene.health import healthz

admin.site.site_header = "Convene administration"
admin.site.site_title = "Convene"

# JSON for /api/, the site's page elsewhere.
handler500 = "api.errors.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("calendar/", include("events.feed_urls")),
    path("", include("staff.urls")),
    path("", include("accounts.privacy_urls")),
    path("", include("events.urls")),
    path("", include("booking.urls")),
    path("", include("accounts.urls")),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path("privacy/", privacy_notice, name="privacy"),
    path("cookies/", TemplateView.as_view(template_name="pages/cookies.html"), name="cookies"),
]
