from django.apps import AppConfig


class FactlenConfig(AppConfig):
    name = "factlen"
    verbose_name = "Site"
