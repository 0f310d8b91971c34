from django.urls import path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("organization/", views.switch_organization, name="switch_organization"),
]
