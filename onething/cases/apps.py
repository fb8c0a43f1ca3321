from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "onething.cases"
    verbose_name = "申请与办件"
    default_auto_field = "django.db.models.BigAutoField"
