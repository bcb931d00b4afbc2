"""The newsroom's roles, as groups with the permissions they need and no more.

Writers draft stories (their own, or ones assigned to them) and may add a
source while citing; editors do everything with stories, topics and sources,
including review, publishing, withdrawal and corrections. Rules that depend
on a story's state and owner are enforced in stories.workflow and the admin;
these are the permissions those rules start from.

Made by a data migration, and again after every migrate (post_migrate), so a
database flushed in tests or by hand gets its roles back.
"""

WRITER = "Writer"
EDITOR = "Editor"
WRITER_PERMISSIONS = {
    "stories": [
        "add_story", "change_story", "view_story",
        "add_viewpoint", "change_viewpoint", "delete_viewpoint", "view_viewpoint",
        "add_keypoint", "change_keypoint", "delete_keypoint", "view_keypoint",
        "add_openquestion", "change_openquestion", "delete_openquestion", "view_openquestion",
        "add_timelineevent", "change_timelineevent", "delete_timelineevent",
        "view_timelineevent",
        "add_citation", "change_citation", "delete_citation", "view_citation",
        "add_storyauthor", "change_storyauthor", "delete_storyauthor", "view_storyauthor",
        "view_author",
        "view_topic", "view_correction", "view_transition",
    ],
    "sources": ["add_source", "view_source", "view_outlet"],
}  # fmt: skip
EDITOR_APPS = ["stories", "sources", "taggit", "newsletter"]


def create_roles(Group, Permission):
    writer, _ = Group.objects.get_or_create(name=WRITER)
    writer.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=WRITER_PERMISSIONS.keys(),
            codename__in=[code for codes in WRITER_PERMISSIONS.values() for code in codes],
        )
    )
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    editor.permissions.set(Permission.objects.filter(content_type__app_label__in=EDITOR_APPS))


def ensure_roles(sender, **kwargs):
    """post_migrate receiver."""
    from django.contrib.auth.models import Group, Permission

    create_roles(Group, Permission)
