"""The newsroom's admin: Django's, with the newsroom's own work listed first."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class NewsroomAdminSite(admin.AdminSite):
    site_header = "Factlen newsroom"
    site_title = "Factlen newsroom"
    index_title = "Stories, topics and sources"
    # Editors' daily work, in this order; accounts, login records, tasks and
    # the rest follow in Django's (alphabetical) order.
    FIRST = ("stories", "sources", "newsletter")

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        first = {label: i for i, label in enumerate(self.FIRST)}
        return sorted(apps, key=lambda app: first.get(app["app_label"], len(first)))


class NewsroomAdminConfig(AdminConfig):
    default_site = "factlen.admin_site.NewsroomAdminSite"
