from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Convene administration"
admin.site.site_title = "Convene"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("calendar/", include("events.feed_urls")),
    path("", include("accounts.privacy_urls")),
    path("", include("events.urls")),
]
