"""Publishing URLs (under /newsletters/manage/) and the public archive (/newsletters/<newsletter>/<issue>/)."""

from django.urls import path

from newsletters.feeds import NewsletterFeed
from newsletters.views import archive, publishing

publishing_patterns: list = [
    path("", publishing.dashboard, name="publishing_dashboard"),
    path("lists/new/", publishing.newsletter_create, name="newsletter_create"),
    path("lists/<slug:newsletter_slug>/", publishing.newsletter_edit, name="newsletter_edit"),
    path("lists/<slug:newsletter_slug>/issues/new/", publishing.issue_create, name="issue_create"),
    path("lists/<slug:newsletter_slug>/audience-count/", publishing.audience_count, name="audience_count"),
    path("issues/<int:issue_id>/", publishing.issue_detail, name="issue_detail"),
    path("issues/<int:issue_id>/edit/", publishing.issue_edit, name="issue_edit"),
    path("issues/<int:issue_id>/progress/", publishing.issue_progress, name="issue_progress"),
    path("issues/<int:issue_id>/preview/", publishing.issue_preview, name="issue_preview"),
    path("issues/<int:issue_id>/preview/email/", publishing.issue_preview_email, name="issue_preview_email"),
    path("issues/<int:issue_id>/test/", publishing.issue_test, name="issue_test"),
    path("issues/<int:issue_id>/approve/", publishing.issue_approve, name="issue_approve"),
    path("issues/<int:issue_id>/send/", publishing.issue_send, name="issue_send"),
    path("issues/<int:issue_id>/schedule/", publishing.issue_schedule, name="issue_schedule"),
    path("issues/<int:issue_id>/unschedule/", publishing.issue_unschedule, name="issue_unschedule"),
    path("issues/<int:issue_id>/pause/", publishing.issue_pause, name="issue_pause"),
    path("issues/<int:issue_id>/resume/", publishing.issue_resume, name="issue_resume"),
    path("issues/<int:issue_id>/cancel/", publishing.issue_cancel, name="issue_cancel"),
]

archive_patterns: list = [
    path("", archive.index, name="index"),
    path("<slug:newsletter_slug>/", archive.archive, name="archive"),
    path("<slug:newsletter_slug>/feed/", NewsletterFeed(), name="feed"),
    path("<slug:newsletter_slug>/<slug:issue_slug>/", archive.issue_detail, name="issue"),
]
