from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Convene administration"
admin.site.site_title = "Convene"

# JSON for /api/, the site's page elsewhere.
handler500 = "api.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("calendar/", include("events.feed_urls")),
    path("", include("events.urls")),
]
