from django.contrib import admin
from django.urls import include, path

from convene.health import healthz

admin.site.site_header = "Convene administration"
admin.site.site_title = "Convene"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("calendar/", include("events.feed_urls")),
    path("", include("events.urls")),
]
