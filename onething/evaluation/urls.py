from django.urls import path

from . import hotline_views, views

app_name = "evaluation"

urlpatterns = [
    path("my/cases/<int:pk>/rate/", views.rate_my_case, name="rate_case"),
    path("rate/<str:token>/", views.rate_link, name="rate_link"),
    path("ratings/", views.workbench, name="workbench"),
    path("ratings/appeals/", views.appeals, name="appeals"),
    path("ratings/invite/", views.invite, name="invite"),
    path("ratings/invite/<int:case_id>/", views.invite_send, name="invite_send"),
    path("ratings/<int:pk>/", views.handling_detail, name="handling"),
    path("ratings/<int:pk>/act/<str:action>/", views.handling_act, name="handling_act"),
    path("ratings/<int:pk>/call/", views.handling_call, name="handling_call"),
    path("hotline/", hotline_views.desk, name="hotline"),
    path("hotline/<int:pk>/", hotline_views.ticket_detail, name="ticket"),
    path("hotline/<int:pk>/act/<str:action>/", hotline_views.ticket_act, name="ticket_act"),
    path("hotline/<int:pk>/call/", hotline_views.ticket_call, name="ticket_call"),
]
