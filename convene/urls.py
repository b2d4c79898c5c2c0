"""Every URL of the site; each interface app owns its own patterns."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Convene administration"
admin.site.site_title = "Convene"

# JSON for /api/, the site's page elsewhere.
handler500 = "api.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("manage/", include("backoffice.manage.urls")),
    path("", include("backoffice.urls")),
    path("", include("web.urls")),
]
