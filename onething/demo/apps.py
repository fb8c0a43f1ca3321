from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "onething.demo"
    label = "demo"
    verbose_name = "演示区县"
