from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "onething.supervision"
    verbose_name = "效能监督"
    default_auto_field = "django.db.models.BigAutoField"
