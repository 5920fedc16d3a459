"""URLs of the newsletters (mounted at /newsletters/). Two halves, kept in their own modules so they grow apart:
subscribers (sign-up, confirmation, manage, one-click unsubscribe, webhooks) and publishing (composition, sending,
progress, reports, import/export) plus the public archive."""

from django.urls import include, path

from newsletters.urls_publishing import archive_patterns, publishing_patterns
from newsletters.urls_subscribers import subscriber_patterns

app_name = "newsletters"

urlpatterns = [
    path("", include(subscriber_patterns)),
    path("manage/", include(publishing_patterns)),
    # Archive last: /newsletters/<newsletter>/ and /newsletters/<newsletter>/<issue>/ would shadow fixed words.
    path("", include(archive_patterns)),
]
