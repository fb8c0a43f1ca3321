from django.urls import path

from onething.registries import views

app_name = "registries"
urlpatterns = [
    path("workbench/registry/", views.lookup, name="lookup"),
]
