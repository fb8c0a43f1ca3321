from django.urls import path

from onething.catalog import views

app_name = "catalog"
urlpatterns = [
    path("items/", views.search, name="search"),
    path("items/<str:code>/", views.guide, name="guide"),
    path("items/<str:code>/guide.pdf", views.guide_pdf, name="guide_pdf"),
    path("items/<str:code>/versions/", views.versions, name="versions"),
    path("items/<str:code>/versions/<int:number>/", views.version_detail, name="version"),
    path("delegations/<str:to>/", views.delegations, name="delegations"),
    path("workbench/catalog/", views.workbench, name="workbench"),
    path("workbench/catalog/export.xlsx", views.export_workbook, name="export"),
    path("workbench/catalog/import/", views.import_workbook, name="import"),
    path("workbench/catalog/items/<str:code>/edit/", views.edit_item, name="edit"),
    path("workbench/catalog/drafts/<int:pk>/", views.draft_detail, name="draft"),
    path(
        "workbench/catalog/drafts/<int:pk>/<str:action>/", views.draft_action, name="draft_action"
    ),
    path("workbench/catalog/reports/<str:name>/", views.report, name="report"),
]
