from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "onething.evaluation"
    verbose_name = "好差评与12345热线"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from onething.cases.models import Case
        from onething.cases.signals import case_ended

        from .services.links import invite_on_end

        case_ended.connect(invite_on_end, sender=Case, dispatch_uid="evaluation.rating-link")
