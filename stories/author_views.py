"""/authors/<slug>/: an author's bio and links, and their live stories newest first."""

from django.http import Http404
from django.shortcuts import render

from factlen.caching import cached_for_version, public_page
from factlen.pagination import page_or_404

from .models import Author, Story


@public_page
def author_detail(request, slug):
    author = Author.objects.filter(slug=slug).first()
    if author is None:
        raise Http404("No such author.")
    stories = Story.objects.published().filter(story_authors__author=author).for_cards()
    # Counted once per content version, as a topic's count is kept: paging
    # through a long career does not count it again on every page.
    count = cached_for_version(f"author-stories:{author.pk}", stories.order_by().count)
    if not count:
        # Only authors of live stories have a public page: a draft is not yet news.
        return render(request, "404.html", status=404)
    context = {
        "author": author,
        "page": page_or_404(request, stories, count=count),
        "story_count": count,
        "canonical_url": request.build_absolute_uri(author.get_absolute_url()),
    }
    return render(request, "stories/author.html", context)
