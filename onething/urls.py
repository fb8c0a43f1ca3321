from django.contrib import admin
from django.urls import include, path

from onething.api import api

admin.site.site_header = "onething 政务服务平台管理"
admin.site.site_title = "onething 管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("onething.core.urls")),
    path("", include("onething.registries.urls")),
    path("", include("onething.catalog.urls")),
    path("", include("onething.bundles.urls")),
    path("", include("onething.cases.urls")),
    path("", include("onething.evaluation.urls")),
    path("", include("onething.supervision.urls")),
    path("", include("onething.web.urls")),
]

handler404 = "onething.web.views.not_found"
handler500 = "onething.web.views.server_error"
