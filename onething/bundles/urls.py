from django.urls import path

from onething.bundles import editor, views

app_name = "bundles"
urlpatterns = [
    path("bundles/", views.bundle_list, name="list"),
    path("bundles/<slug:slug>/", views.start, name="start"),
    path("bundles/<slug:slug>/questions/<str:key>/", views.question, name="question"),
    path("bundles/<slug:slug>/check/", views.check, name="check"),
    path("bundles/<slug:slug>/result/", views.result, name="result"),
    path("workbench/bundles/", editor.bundle_list, name="editor_list"),
    path("workbench/bundles/<slug:slug>/", editor.edit, name="editor"),
]
