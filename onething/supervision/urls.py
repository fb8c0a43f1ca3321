from django.urls import path

from . import views_cards, views_dashboard, views_indicators

app_name = "supervision"

urlpatterns = [
    path("supervision/dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("supervision/cards/", views_cards.bureau, name="cards"),
    path("supervision/cards/issue/", views_cards.issue, name="cards_issue"),
    path("supervision/cards/mine/", views_cards.mine, name="cards_mine"),
    path("supervision/cards/<int:pk>/respond/", views_cards.respond, name="card_respond"),
    path("supervision/bulletins/", views_cards.bulletin_list, name="bulletins"),
    path("supervision/bulletins/publish/", views_cards.publish, name="bulletin_publish"),
    path("supervision/bulletins/<str:month>.pdf", views_cards.bulletin_pdf, name="bulletin_pdf"),
    path("supervision/indicators/", views_indicators.indicator_table, name="indicators"),
    path("supervision/indicators/<str:code>/", views_indicators.indicator_detail, name="indicator"),
]
