from django.urls import path

from apps.access import views

app_name = "access"
urlpatterns = [
    path("set-password/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password-set"),
    path("set-password/done/", views.PasswordSetDoneView.as_view(), name="password-set-done"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
