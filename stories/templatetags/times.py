from django import template

from factlen.times import machine_time as _machine_time

register = template.Library()


@register.filter
def machine_time(value):
    """`{{ story.published_at|machine_time }}`: for `<time datetime>` and meta tags."""
    return _machine_time(value)
