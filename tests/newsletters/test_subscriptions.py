"""Public sign-up with double opt-in, confirmation, a member's one-click subscription, suppression and the sign-up
rate limits (newsletters.services.subscriptions and the subscriber views)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from hub.models import Municipality, Profile
from newsletters.models import Audience, ConsentRecord, Subscriber, Subscription, Suppression, email_hash
from newsletters.services import subscriptions as service
from newsletters.services.audience import audience_queryset
from tests.factories import UserFactory, organisation_for
from tests.newsletters.factories import NewsletterFactory, SubscriberFactory, SubscriptionFactory
from tests.newsletters.subscriber_helpers import commit, link_in, sign_up_data, snapshot  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsletter():
    return NewsletterFactory(name="Knowledge Hub update", slug="hub-update")


def sign_up(client, newsletter, commit, **overrides):
    with commit():
        return client.post(reverse("newsletters:subscribe", args=[newsletter.slug]), sign_up_data(**overrides))


# --- Public sign-up -----------------------------------------------------------------------------------------------


def test_sign_up_form_shows_the_newsletters_own_consent_wording(client, newsletter):
    newsletter.consent_wording = "Yes, send me the Knowledge Hub update every month."
    newsletter.save()

    response = client.get(reverse("newsletters:subscribe", args=[newsletter.slug]))

    assert response.status_code == 200
    assert "Yes, send me the Knowledge Hub update every month." in response.content.decode()


def test_sign_up_leaves_a_pending_subscription_with_unconfirmed_consent_and_mails_a_confirmation(
    client, newsletter, commit
):
    municipality = Municipality.objects.get(code="CPT")

    response = sign_up(client, newsletter, commit, email=" Thandi@Example.ORG ", municipality=str(municipality.pk),
                       function="led_officer", language="xh")

    assert response.status_code == 302
    assert response["Location"] == reverse("newsletters:subscribe_sent", args=[newsletter.slug])
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "thandi@example.org"
    assert (subscriber.name, subscriber.municipality, subscriber.province) == (
        "Thandi Mokoena", municipality, municipality.province)
    assert (subscriber.function, subscriber.language) == ("led_officer", "xh")
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.PENDING
    consent = ConsentRecord.objects.get()
    assert consent.method == ConsentRecord.Method.FORM
    assert consent.wording == newsletter.consent_wording
    assert consent.confirmed_at is None
    assert not audience_queryset(newsletter=newsletter).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["thandi@example.org"]
    assert "/newsletters/confirm/" in mail.outbox[0].body


def test_following_the_confirmation_link_shows_a_button_and_only_the_button_confirms(client, newsletter, commit):
    sign_up(client, newsletter, commit)
    path = link_in(mail.outbox[0], "/confirm/")

    page = client.get(path)
    assert page.status_code == 200
    assert Subscription.objects.get().status == Subscription.Status.PENDING  # a link scanner's GET confirms nothing

    response = client.post(path)

    assert response.status_code == 200
    assert "You are subscribed" in response.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.SUBSCRIBED
    assert subscription.subscribed_at is not None
    assert ConsentRecord.objects.get().confirmed_at is not None
    assert list(audience_queryset(newsletter=newsletter)) == [subscription]


def test_confirming_twice_changes_nothing_the_second_time(client, newsletter, commit):
    sign_up(client, newsletter, commit)
    path = link_in(mail.outbox[0], "/confirm/")
    client.post(path)
    before = snapshot()

    response = client.post(path)

    assert response.status_code == 200
    assert snapshot() == before


def test_signing_up_an_address_that_is_already_subscribed_looks_the_same_and_duplicates_nothing(
    client, newsletter, commit
):
    sign_up(client, newsletter, commit, email="new@example.org")
    new_page = client.get(reverse("newsletters:subscribe_sent", args=[newsletter.slug]))
    existing = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(email="known@example.org"))
    mail.outbox.clear()

    response = sign_up(client, newsletter, commit, email="Known@example.org", name="Someone Else")
    known_page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == reverse("newsletters:subscribe_sent", args=[newsletter.slug])
    assert known_page.content == new_page.content
    assert Subscriber.objects.filter(email="known@example.org").count() == 1
    assert Subscription.objects.filter(subscriber=existing.subscriber).count() == 1
    assert existing.consents.count() == 1  # no new, unconfirmed consent
    existing.subscriber.refresh_from_db()
    assert existing.subscriber.name != "Someone Else"  # a stranger cannot rename someone
    # The address owner (not the visitor) learns that they already receive it, with a link to manage it.
    assert len(mail.outbox) == 1
    assert "already" in mail.outbox[0].subject
    assert "/newsletters/preferences/" in mail.outbox[0].body


def test_signing_up_again_while_pending_renews_the_request_instead_of_piling_up_records(client, newsletter, commit):
    sign_up(client, newsletter, commit)
    sign_up(client, newsletter, commit)

    assert Subscription.objects.count() == 1
    assert ConsentRecord.objects.count() == 1
    assert len(mail.outbox) == 2
    client.post(link_in(mail.outbox[1], "/confirm/"))
    assert Subscription.objects.get().status == Subscription.Status.SUBSCRIBED


@pytest.mark.parametrize(
    "address",
    ["not-an-address", "thandi@", "@example.org", "thandi@example", "two words@example.org",
     "thandi@example.org\r\nBcc: everyone@example.org", "thandi\n@example.org", "a" * 250 + "@example.org", ""],
)
def test_malformed_addresses_are_refused_with_an_error_summary_and_nothing_is_stored(
    client, newsletter, commit, address
):
    before = snapshot()

    response = sign_up(client, newsletter, commit, email=address)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page
    assert 'href="#id_email"' in page
    assert "Enter your email address" in page or "Enter an email address in the correct format" in page
    assert snapshot() == before


@pytest.mark.parametrize("name", ["Thandi\r\nBcc: everyone@example.org", "Thandi\nMokoena", "Thandi\x00"])
def test_line_breaks_and_control_characters_in_the_name_are_refused(client, newsletter, commit, name):
    before = snapshot()

    response = sign_up(client, newsletter, commit, name=name)

    assert response.status_code == 200
    assert 'href="#id_name"' in response.content.decode()  # named in the error summary
    assert snapshot() == before


def test_without_ticking_consent_nothing_is_stored(client, newsletter, commit):
    before = snapshot()

    response = sign_up(client, newsletter, commit, consent=None)

    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    assert snapshot() == before


def test_too_many_sign_ups_from_one_client_are_refused_with_429(client, newsletter, commit, settings):
    settings.NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR = 2
    sign_up(client, newsletter, commit, email="one@example.org")
    sign_up(client, newsletter, commit, email="two@example.org")
    before = snapshot()

    response = sign_up(client, newsletter, commit, email="three@example.org")

    assert response.status_code == 429
    assert "too many sign-ups" in response.content.decode()
    assert snapshot() == before


def test_sign_up_limit_is_per_client_address(newsletter, commit, settings):
    from django.test import Client

    settings.NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR = 1
    first, second = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    assert sign_up(first, newsletter, commit, email="one@example.org").status_code == 302
    assert sign_up(first, newsletter, commit, email="two@example.org").status_code == 429
    assert sign_up(second, newsletter, commit, email="two@example.org").status_code == 302


def test_one_address_gets_at_most_a_few_emails_an_hour_however_often_it_is_entered(newsletter, commit, settings):
    settings.NEWSLETTER_SIGNUP_MAILS_PER_ADDRESS_PER_HOUR = 2
    for _ in range(4):
        with commit():
            outcome = service.subscribe_public(newsletter=newsletter, email="target@example.org")

    assert outcome == service.SignUpOutcome.MAIL_THROTTLED
    assert len(mail.outbox) == 2
    assert ConsentRecord.objects.count() == 1


def test_members_and_staff_lists_have_no_public_form(client):
    for audience in (Audience.MEMBERS, Audience.STAFF):
        newsletter = NewsletterFactory(audience=audience)
        assert client.get(reverse("newsletters:subscribe", args=[newsletter.slug])).status_code == 404
        assert client.post(reverse("newsletters:subscribe", args=[newsletter.slug]),
                           sign_up_data()).status_code == 404
    assert not Subscriber.objects.exists()


def test_an_inactive_list_has_no_sign_up_form(client):
    newsletter = NewsletterFactory(is_active=False)
    assert client.get(reverse("newsletters:subscribe", args=[newsletter.slug])).status_code == 404


# --- Suppression ----------------------------------------------------------------------------------------------------


def test_a_suppressed_address_stays_suppressed_until_it_confirms_a_new_sign_up(client, newsletter, commit):
    subscription = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(email="left@example.org"),
                                       status=Subscription.Status.COMPLAINED)
    service.suppress(email="left@example.org", reason=Suppression.Reason.COMPLAINED)

    sign_up(client, newsletter, commit, email="left@example.org")

    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.COMPLAINED  # not re-added by an unconfirmed sign-up
    assert service.is_suppressed("left@example.org")
    assert not audience_queryset(newsletter=newsletter).exists()

    client.post(link_in(mail.outbox[-1], "/confirm/"))

    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.SUBSCRIBED
    assert not service.is_suppressed("left@example.org")
    assert list(audience_queryset(newsletter=newsletter)) == [subscription]


def test_a_stale_confirmation_link_cannot_resubscribe_someone_who_unsubscribed_after_asking(
    client, newsletter, commit
):
    sign_up(client, newsletter, commit)
    path = link_in(mail.outbox[0], "/confirm/")
    service.unsubscribe(subscription=Subscription.objects.get())
    before = snapshot()

    assert client.get(path).status_code == 400
    response = client.post(path)

    assert response.status_code == 400
    assert "does not work" in response.content.decode()
    assert snapshot() == before


def test_confirmation_resets_the_soft_bounce_count(client, newsletter, commit):
    subscriber = SubscriberFactory(email="soft@example.org", soft_bounce_count=2)
    sign_up(client, newsletter, commit, email="soft@example.org")
    client.post(link_in(mail.outbox[0], "/confirm/"))

    subscriber.refresh_from_db()
    assert subscriber.soft_bounce_count == 0


# --- Members --------------------------------------------------------------------------------------------------------


@pytest.fixture
def member():
    user = UserFactory(email="Sipho@Example.org", full_name="Sipho Dlamini")
    profile, _ = Profile.objects.get_or_create(user=user)
    profile.organisation = organisation_for("CPT")
    profile.function = "idp_manager"
    profile.languages = ["zu", "en"]
    profile.save()
    return user


def test_a_member_subscribes_with_one_click_and_the_profile_fills_the_subscriber(client, newsletter, member):
    client.force_login(member)

    response = client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug]),
                           {"next": newsletter.get_absolute_url()})

    assert response.status_code == 302
    assert response["Location"] == newsletter.get_absolute_url()
    subscription = Subscription.objects.get()
    assert subscription.status == Subscription.Status.SUBSCRIBED
    subscriber = subscription.subscriber
    municipality = Municipality.objects.get(code="CPT")
    assert (subscriber.email, subscriber.user, subscriber.name) == ("sipho@example.org", member, "Sipho Dlamini")
    assert (subscriber.municipality, subscriber.province) == (municipality, municipality.province)
    assert (subscriber.function, subscriber.language) == ("idp_manager", "zu")
    consent = subscription.consents.get()
    assert consent.method == ConsentRecord.Method.MEMBER
    assert consent.wording == newsletter.consent_wording
    assert consent.confirmed_at is not None and consent.recorded_by == member
    assert not mail.outbox  # a member's verified address needs no confirmation email


def test_a_second_click_changes_nothing(client, newsletter, member):
    client.force_login(member)
    client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug]))
    before = snapshot()

    client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug]))

    assert snapshot() == before


def test_a_member_takes_over_the_subscriber_record_of_their_address_and_lifts_its_suppression(
    client, newsletter, member
):
    earlier = SubscriberFactory(email="sipho@example.org", name="")
    service.suppress(email="sipho@example.org", reason=Suppression.Reason.UNSUBSCRIBED)
    client.force_login(member)

    client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug]))

    earlier.refresh_from_db()
    assert earlier.user == member
    assert Subscriber.objects.count() == 1
    assert not service.is_suppressed("sipho@example.org")
    assert audience_queryset(newsletter=newsletter).count() == 1


def test_a_member_unsubscribes_with_one_click(client, newsletter, member):
    client.force_login(member)
    client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug]))

    response = client.post(reverse("newsletters:member_unsubscribe", args=[newsletter.slug]))

    assert response.status_code == 302
    assert Subscription.objects.get().status == Subscription.Status.UNSUBSCRIBED


def test_an_unverified_account_cannot_subscribe_with_one_click(client, newsletter):
    user = UserFactory(verified=False)
    client.force_login(user)
    before = snapshot()

    client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug]))

    assert snapshot() == before


def test_visitors_are_sent_to_log_in_for_the_one_click_buttons(client, newsletter):
    for name in ("member_subscribe", "member_unsubscribe"):
        response = client.post(reverse(f"newsletters:{name}", args=[newsletter.slug]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert not Subscription.objects.exists()


def test_a_network_list_is_not_found_for_someone_outside_the_network(client, member):
    from tests.networks.factories import NetworkFactory

    newsletter = NewsletterFactory(audience=Audience.NETWORK_MEMBERS, network=NetworkFactory())
    client.force_login(member)

    assert client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug])).status_code == 404
    assert client.get(reverse("newsletters:subscribe", args=[newsletter.slug])).status_code == 404
    assert not Subscription.objects.exists()


def test_a_network_member_may_subscribe_to_the_network_list(client):
    from tests.networks.factories import NetworkFactory, make_member

    network = NetworkFactory()
    newsletter = NewsletterFactory(audience=Audience.NETWORK_MEMBERS, network=network)
    user = make_member(network)
    client.force_login(user)

    client.post(reverse("newsletters:member_subscribe", args=[newsletter.slug]))

    assert Subscription.objects.get().status == Subscription.Status.SUBSCRIBED
    assert audience_queryset(newsletter=newsletter).count() == 1


def test_my_newsletters_page_lists_what_the_member_may_receive_with_their_status(client, newsletter, member):
    members_list = NewsletterFactory(name="Members' digest", audience=Audience.MEMBERS)
    staff_list = NewsletterFactory(name="Staff news", audience=Audience.STAFF)
    client.force_login(member)
    client.post(reverse("newsletters:member_subscribe", args=[members_list.slug]))

    page = client.get(reverse("newsletters:my_subscriptions")).content.decode()

    assert "Knowledge Hub update" in page
    assert "Members&#x27; digest" in page
    assert staff_list.name not in page
    assert reverse("newsletters:member_unsubscribe", args=[members_list.slug]) in page
    assert reverse("newsletters:member_subscribe", args=[newsletter.slug]) in page


def test_the_subscribe_button_offers_a_form_link_to_visitors_and_one_click_to_members(rf, newsletter, member):
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/newsletters/")
    request.user = AnonymousUser()
    visitor_html = render_to_string("newsletters/includes/subscribe_button.html", {"newsletter": newsletter},
                                    request=request)
    assert reverse("newsletters:subscribe", args=[newsletter.slug]) in visitor_html

    request.user = member
    member_html = render_to_string("newsletters/includes/subscribe_button.html", {"newsletter": newsletter},
                                   request=request)
    assert reverse("newsletters:member_subscribe", args=[newsletter.slug]) in member_html
    assert str(newsletter.consent_wording) in member_html

    service.subscribe_member(newsletter=newsletter, user=member)
    request = rf.get("/newsletters/")
    request.user = member
    subscribed_html = render_to_string("newsletters/includes/subscribe_button.html", {"newsletter": newsletter},
                                       request=request)
    assert reverse("newsletters:member_unsubscribe", args=[newsletter.slug]) in subscribed_html


def test_the_signed_in_member_sees_a_one_click_button_on_the_sign_up_page(client, newsletter, member):
    client.force_login(member)
    page = client.get(reverse("newsletters:subscribe", args=[newsletter.slug])).content.decode()
    assert reverse("newsletters:member_subscribe", args=[newsletter.slug]) in page


def test_an_empty_post_shows_the_errors(client, newsletter):
    response = client.post(reverse("newsletters:subscribe", args=[newsletter.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter your email address" in page and "Tick the box" in page
    assert not Subscriber.objects.exists()
