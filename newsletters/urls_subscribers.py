"""Subscriber-facing URLs: sign-up, double opt-in confirmation, token-based management, one-click unsubscribe, a
member's subscriptions, the providers' bounce and complaint webhooks, and the publishers' subscriber import, export
and erasure (under manage/subscribers/, next to the publishing pages).

Included before the archive's /newsletters/<newsletter>/<issue>/, so the fixed words here (my, confirm,
preferences, unsubscribe, webhooks, manage/subscribers) and <newsletter>/subscribe/ win over archive slugs."""

from django.urls import include, path

from newsletters.views import subscribers as views
from newsletters.webhooks import tracking_patterns

subscriber_patterns: list = [
    path("my/", views.my_subscriptions, name="my_subscriptions"),
    path("my/<slug:newsletter_slug>/subscribe/", views.member_subscribe, name="member_subscribe"),
    path("my/<slug:newsletter_slug>/unsubscribe/", views.member_unsubscribe, name="member_unsubscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("preferences/<str:token>/", views.manage, name="manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/", include(tracking_patterns())),
    path("manage/subscribers/erase/", views.subscriber_erase, name="subscriber_erase"),
    path("manage/subscribers/<slug:newsletter_slug>/import/", views.subscriber_import, name="subscriber_import"),
    path("manage/subscribers/<slug:newsletter_slug>/export.csv", views.subscriber_export, name="subscriber_export"),
    path("<slug:newsletter_slug>/subscribe/", views.subscribe, name="subscribe"),
    path("<slug:newsletter_slug>/subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
]
