app_name = "admin_center"
urlpatterns: list = []
