from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "stories"
    verbose_name = "Stories"

    def ready(self):
        from django.db.models.signals import post_delete, post_migrate, post_save

        from . import signals
        from .models import Author, KeyPoint, OpenQuestion, Story, StoryAuthor, Viewpoint
        from .revisions import register
        from .roles import ensure_roles
        from .tasks import (
            refresh_authors_stories,
            schedule_portrait_renditions,
            schedule_refresh,
            schedule_renditions,
        )

        register()
        signals.connect()
        post_migrate.connect(ensure_roles, dispatch_uid="stories-roles")
        post_save.connect(schedule_renditions, sender=Story, dispatch_uid="lead-image-renditions")
        post_save.connect(
            schedule_portrait_renditions, sender=Author, dispatch_uid="author-photo-renditions"
        )
        post_save.connect(refresh_authors_stories, sender=Author, dispatch_uid="search-author-name")
        for model in (Story, KeyPoint, OpenQuestion, Viewpoint, StoryAuthor):
            post_save.connect(schedule_refresh, sender=model, dispatch_uid=f"search-{model}")
            if model is not Story:
                post_delete.connect(
                    schedule_refresh, sender=model, dispatch_uid=f"unsearch-{model}"
                )
