from django.apps import AppConfig


class FactlenConfig(AppConfig):
    name = "factlen"
    verbose_name = "Site"

    def ready(self):
        # Connects the receivers that carry a request's id into its tasks.
        from . import task_log  # noqa: F401
