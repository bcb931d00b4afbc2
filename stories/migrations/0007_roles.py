"""The newsroom's roles, as groups with the permissions they need and no more.

Writers draft stories (their own, or ones assigned to them) and may add a
source while citing; editors do everything with stories, topics and sources,
including review, publishing, withdrawal and corrections. The rules that
depend on a story's state and owner are enforced in stories.workflow and the
admin; these are the permissions those rules start from.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = {
    "stories": [
        "add_story", "change_story", "view_story",
        "add_viewpoint", "change_viewpoint", "delete_viewpoint", "view_viewpoint",
        "add_keypoint", "change_keypoint", "delete_keypoint", "view_keypoint",
        "add_openquestion", "change_openquestion", "delete_openquestion", "view_openquestion",
        "add_timelineevent", "change_timelineevent", "delete_timelineevent",
        "view_timelineevent",
        "add_citation", "change_citation", "delete_citation", "view_citation",
        "view_topic", "view_correction", "view_transition",
    ],
    "sources": ["add_source", "view_source", "view_outlet"],
}  # fmt: skip
EDITOR_APPS = ["stories", "sources", "taggit"]


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now.
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    writer, _ = Group.objects.get_or_create(name="Writer")
    writer.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=WRITER.keys(),
            codename__in=[code for codes in WRITER.values() for code in codes],
        )
    )
    editor, _ = Group.objects.get_or_create(name="Editor")
    editor.permissions.set(Permission.objects.filter(content_type__app_label__in=EDITOR_APPS))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Writer", "Editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0006_workflow"),
        ("sources", "0005_outlet_help_text"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
