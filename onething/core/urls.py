from django.contrib.auth import views as auth_views
from django.urls import path

from onething.core import views

urlpatterns = [
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/second-factor/", views.second_factor, name="second_factor"),
    path("workbench/audit/", views.audit_log, name="audit_log"),
    path("settings/", views.district_settings, name="district_settings"),
]
