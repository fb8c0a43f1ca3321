from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "onething.registries"
    label = "registries"
    verbose_name = "基础库"
