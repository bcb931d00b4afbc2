from django import template

from .. import structured_data

register = template.Library()


@register.simple_tag(takes_context=True)
def news_article_json_ld(context, story):
    return structured_data.json_ld(structured_data.news_article(story, context["request"]))


@register.simple_tag(takes_context=True)
def collection_page_json_ld(context, topic, stories):
    data = structured_data.collection_page(topic, stories, context["request"])
    return structured_data.json_ld(data)


@register.filter
def absolute_url(url, request):
    """`url` (a path, or already absolute: media on a bucket) as an absolute URL."""
    return request.build_absolute_uri(url)


@register.simple_tag(takes_context=True)
def profile_page_json_ld(context, author, stories):
    data = structured_data.profile_page(author, stories, context["request"])
    return structured_data.json_ld(data)
