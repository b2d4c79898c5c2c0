from django.urls import path

from web.views import approvals as views

app_name = "approvals"

urlpatterns = [
    path("approvals/<int:pk>/<str:token>/", views.decide, name="decide"),
]
