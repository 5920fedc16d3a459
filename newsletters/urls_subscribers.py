"""Subscriber-facing URLs: sign-up, double opt-in confirmation, token-based management, one-click unsubscribe, and
the providers' bounce and complaint webhooks."""

from django.urls import path  # noqa: F401

subscriber_patterns: list = []
