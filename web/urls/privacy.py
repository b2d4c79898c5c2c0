from django.urls import path

from web.views import privacy as privacy_views

app_name = "privacy"

urlpatterns = [
    path("account/data/", privacy_views.my_data, name="data"),
    path("account/data/download/", privacy_views.download_my_data, name="download"),
    path("account/delete/", privacy_views.delete_account, name="delete"),
    path("account/deleted/", privacy_views.account_deleted, name="deleted"),
]
