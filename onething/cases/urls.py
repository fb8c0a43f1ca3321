from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("apply/item/<str:code>/", views.apply_item, name="apply_item"),
    path("apply/bundle/<slug:slug>/", views.apply_bundle, name="apply_bundle"),
    path("my/applications/", views.my_applications, name="my_applications"),
    path("my/applications/<int:pk>/", views.my_application, name="my_application"),
    path("my/applications/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("my/cases/<int:pk>/resubmit/", views.resubmit, name="resubmit"),
    path("cases/", views.workbench, name="workbench"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/act/<str:action>/", views.act, name="act"),
    path("cases/verifications/<int:pk>/", views.verify, name="verify"),
    path("cases/notices/<int:pk>.pdf", views.notice_download, name="notice"),
    path("cases/uploads/<int:pk>/", views.upload_download, name="upload"),
]
