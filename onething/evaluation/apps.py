from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "onething.evaluation"
    verbose_name = "好差评与12345热线"
    default_auto_field = "django.db.models.BigAutoField"
