from django.urls import path

from onething.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("regions/<str:code>/", views.region_detail, name="region"),
    path("workbench/", views.workbench, name="workbench"),
    path("my/", views.my, name="my"),
    path("my/inbox/", views.inbox, name="inbox"),
    path("my/inbox/<int:pk>/", views.inbox_message, name="inbox_message"),
    path("display/elderly/", views.elderly_mode, name="elderly_mode"),
]
