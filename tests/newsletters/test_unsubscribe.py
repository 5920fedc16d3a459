"""One-click unsubscribe (RFC 8058) and the token manage page: a GET never unsubscribes, the provider's POST needs
no CSRF token, replays change nothing, and the manage page works without logging in."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from newsletters import tokens
from newsletters.models import ConsentRecord, Delivery, Subscriber, Subscription, Suppression, email_hash
from newsletters.services import subscriptions as service
from newsletters.services.audience import audience_queryset
from tests.newsletters.factories import IssueFactory, NewsletterFactory, SubscriberFactory, SubscriptionFactory
from tests.newsletters.subscriber_helpers import commit, link_in, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription():
    return SubscriptionFactory(subscriber=SubscriberFactory(email="naledi@example.org"))


def unsubscribe_path(subscription, issue=None) -> str:
    token = tokens.make_unsubscribe_token(subscription=subscription, issue_id=issue.pk if issue else None)
    return reverse("newsletters:unsubscribe", args=[token])


def manage_path(subscriber) -> str:
    return reverse("newsletters:manage", args=[tokens.make_manage_token(subscriber=subscriber)])


def test_the_unsubscribe_url_helper_points_at_this_endpoint(client, subscription, settings):
    url = tokens.unsubscribe_url(subscription=subscription)
    assert url.startswith(settings.SITE_URL + "/newsletters/unsubscribe/")
    assert client.get(url[len(settings.SITE_URL):]).status_code == 200


def test_following_the_link_shows_a_confirmation_button_and_unsubscribes_nothing(client, subscription):
    response = client.get(unsubscribe_path(subscription))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'method="post"' in page and "Unsubscribe" in page
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUBSCRIBED


def test_the_mail_providers_one_click_post_unsubscribes_without_a_csrf_token(subscription):
    issue = IssueFactory(newsletter=subscription.newsletter)
    provider = Client(enforce_csrf_checks=True)

    response = provider.post(unsubscribe_path(subscription, issue), data="List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.unsubscribed_at is not None
    assert subscription.ended_by_issue == issue
    assert not audience_queryset(newsletter=subscription.newsletter).exists()


def test_the_button_on_the_confirmation_page_unsubscribes(client, subscription):
    response = client.post(unsubscribe_path(subscription))

    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED


def test_a_replayed_unsubscribe_changes_nothing(client, subscription):
    issue = IssueFactory(newsletter=subscription.newsletter)
    path = unsubscribe_path(subscription, issue)
    client.post(path)
    before = snapshot()

    response = client.post(path)
    again = client.get(path)

    assert response.status_code == 200
    assert again.status_code == 200 and "You are not subscribed" in again.content.decode()
    assert snapshot() == before


def test_unsubscribe_service_is_idempotent_and_keeps_the_first_issue(subscription):
    first, second = IssueFactory(newsletter=subscription.newsletter), IssueFactory(newsletter=subscription.newsletter)
    assert service.unsubscribe(subscription=subscription, issue_id=first.pk) is True
    subscription.refresh_from_db()
    ended_at = subscription.unsubscribed_at

    assert service.unsubscribe(subscription=subscription, issue_id=second.pk) is False

    subscription.refresh_from_db()
    assert (subscription.ended_by_issue, subscription.unsubscribed_at) == (first, ended_at)


def test_an_issue_of_another_newsletter_is_not_recorded_as_the_cause(subscription):
    other_issue = IssueFactory(newsletter=NewsletterFactory())
    service.unsubscribe(subscription=subscription, issue_id=other_issue.pk)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert subscription.ended_by_issue is None


def test_a_bounced_or_complained_subscription_stays_as_it_is(client):
    for status in (Subscription.Status.BOUNCED, Subscription.Status.COMPLAINED):
        subscription = SubscriptionFactory(status=status)
        client.post(unsubscribe_path(subscription))
        subscription.refresh_from_db()
        assert subscription.status == status


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_tampered_unsubscribe_link_answers_400_and_changes_nothing(subscription, method):
    token = tokens.make_unsubscribe_token(subscription=subscription)
    other = SubscriptionFactory()
    forged = tokens.make_unsubscribe_token(subscription=other)
    # Same signature, someone else's payload; a changed signature; a truncated token; garbage.
    payload, signature = token.rsplit(":", 1)
    candidates = [
        forged.split(":", 1)[0] + ":" + token.split(":", 1)[1],
        payload + ":" + ("A" if signature[0] != "A" else "B") + signature[1:],
        token[:-3],
        "not-a-token",
    ]
    before = snapshot()
    client = Client(enforce_csrf_checks=True)
    for candidate in candidates:
        response = getattr(client, method)(reverse("newsletters:unsubscribe", args=[candidate]))
        assert response.status_code == 400, candidate
        assert "This link does not work" in response.content.decode()
    assert snapshot() == before


def test_rotating_the_subscribers_secret_revokes_old_links(client, subscription):
    path = unsubscribe_path(subscription)
    Subscriber.objects.filter(pk=subscription.subscriber_id).update(secret="a-new-secret")
    before = snapshot()

    assert client.post(path).status_code == 400
    assert snapshot() == before


# --- The manage page --------------------------------------------------------------------------------------------


def test_the_manage_page_lists_the_subscribers_lists_and_the_public_lists_they_could_join(client, subscription):
    other = NewsletterFactory(name="Water services bulletin")
    response = client.get(manage_path(subscription.subscriber))

    assert response.status_code == 200
    page = response.content.decode()
    assert subscription.newsletter.name in page
    assert "Water services bulletin" in page
    assert 'name="robots" content="noindex"' in page
    assert other.pk


def test_the_manage_page_unsubscribes_from_one_list(client, subscription):
    second = SubscriptionFactory(subscriber=subscription.subscriber)
    path = manage_path(subscription.subscriber)

    response = client.post(path, {"action": "unsubscribe", "subscription": subscription.pk})

    assert response.status_code == 302
    subscription.refresh_from_db()
    second.refresh_from_db()
    assert subscription.status == Subscription.Status.UNSUBSCRIBED
    assert second.status == Subscription.Status.SUBSCRIBED


def test_the_manage_page_cannot_touch_someone_elses_subscription(client, subscription):
    stranger = SubscriptionFactory()
    before = snapshot()

    response = client.post(manage_path(subscription.subscriber), {"action": "unsubscribe",
                                                                   "subscription": stranger.pk})

    assert response.status_code == 404
    assert snapshot() == before


def test_subscribing_from_the_manage_page_needs_the_emailed_confirmation(client, subscription, commit):
    other = NewsletterFactory()
    with commit():
        client.post(manage_path(subscription.subscriber), {"action": "subscribe", "newsletter": other.pk})

    new = Subscription.objects.get(newsletter=other)
    assert new.status == Subscription.Status.PENDING
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["naledi@example.org"]
    client.post(link_in(mail.outbox[0], "/confirm/"))
    new.refresh_from_db()
    assert new.status == Subscription.Status.SUBSCRIBED


def test_the_manage_page_updates_name_and_language(client, subscription):
    client.post(manage_path(subscription.subscriber), {"action": "details", "name": " Naledi  Khumalo ",
                                                       "language": "st"})
    subscription.subscriber.refresh_from_db()
    assert (subscription.subscriber.name, subscription.subscriber.language) == ("Naledi Khumalo", "st")


def test_a_name_with_a_line_break_is_refused_on_the_manage_page(client, subscription):
    before = snapshot()

    response = client.post(manage_path(subscription.subscriber),
                           {"action": "details", "name": "Naledi\r\nBcc: x@example.org", "language": "en"})

    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert snapshot() == before


def test_stop_all_email_unsubscribes_everything_and_suppresses_the_address(client, subscription):
    second = SubscriptionFactory(subscriber=subscription.subscriber)

    client.post(manage_path(subscription.subscriber), {"action": "stop_all"})

    assert set(Subscription.objects.values_list("status", flat=True)) == {Subscription.Status.UNSUBSCRIBED}
    assert Suppression.objects.get(email_hash=email_hash("naledi@example.org")).reason == "unsubscribed"
    assert not audience_queryset(newsletter=second.newsletter).exists()


def test_erasing_from_the_manage_page_needs_the_tick_then_deletes_everything(client, subscription):
    path = manage_path(subscription.subscriber)
    before = snapshot()
    client.post(path, {"action": "erase"})
    assert snapshot() == before

    response = client.post(path, {"action": "erase", "confirm": "yes"})

    assert response.status_code == 200
    assert "Your data is deleted" in response.content.decode()
    assert not Subscriber.objects.exists() and not ConsentRecord.objects.exists()
    assert Suppression.objects.get().reason == "erased"
    assert client.get(path).status_code == 400  # the link names nobody any more


def test_an_unknown_action_changes_nothing(client, subscription):
    before = snapshot()
    assert client.post(manage_path(subscription.subscriber), {"action": "delete-everyone"}).status_code == 400
    assert snapshot() == before


def test_the_unsubscribe_done_page_links_to_the_manage_page(client, subscription):
    response = client.post(unsubscribe_path(subscription))
    assert "/newsletters/preferences/" in response.content.decode()


def test_deliveries_are_untouched_by_unsubscribing(client, subscription):
    issue = IssueFactory(newsletter=subscription.newsletter)
    delivery = Delivery.objects.create(issue=issue, subscriber=subscription.subscriber, subscription=subscription,
                                       email=subscription.subscriber.email, status=Delivery.Status.SENT)
    client.post(unsubscribe_path(subscription, issue))
    delivery.refresh_from_db()
    assert delivery.email == "naledi@example.org"
