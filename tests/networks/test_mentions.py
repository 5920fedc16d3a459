"""@mentions: parsing, resolving only to active members of the network, rendering, and notifying."""

from __future__ import annotations

import pytest

from networks import mentions
from networks.models import Membership, Network, Notification
from networks.services.notifications import notify_post
from tests.factories import UserFactory
from tests.networks.factories import NetworkFactory, make_member
from tests.networks.notify_helpers import make_reply, make_topic

pytestmark = pytest.mark.django_db


def test_parse_handles_and_bracketed_names():
    # given text with a handle, a bracketed name with non-ASCII letters, a duplicate and an email address
    text = "Thanks @Sipho_Ndlovu and @[Thandiwe Khâi-Ma]! cc @sipho_ndlovu, mail me at a@b.org"
    # when parsed
    found = mentions.parse_mentions(text)
    # then each name appears once, the email address is not a mention
    assert found == ["sipho ndlovu", "thandiwe khâi-ma"]


def test_resolves_only_active_members_of_the_network():
    network = NetworkFactory()
    member = make_member(network, user=UserFactory(full_name="Sipho Ndlovu"))
    outsider = UserFactory(full_name="Lerato Mokoena")  # not a member at all
    left = make_member(network, user=UserFactory(full_name="Naledi Tshivenḓa"), status=Membership.Status.LEFT)
    elsewhere = NetworkFactory()
    make_member(elsewhere, user=UserFactory(full_name="Pieter Botha"))
    # when resolving mentions of all four
    users = mentions.mentioned_users(
        "@Sipho_Ndlovu @Lerato_Mokoena @[Naledi Tshivenḓa] @Pieter_Botha", network=network
    )
    # then only the active member resolves
    assert users == [member]
    assert outsider not in users and left not in users


def test_render_marks_members_and_leaves_non_members_as_plain_text():
    network = NetworkFactory()
    make_member(network, user=UserFactory(full_name="Sipho Ndlovu"))
    UserFactory(full_name="Lerato Mokoena")
    html = "<p>Ask @Sipho_Ndlovu or @Lerato_Mokoena</p><pre><code>@Sipho_Ndlovu</code></pre>"
    rendered = mentions.render_mentions(html, network=network)
    assert '<strong class="mention">@Sipho Ndlovu</strong>' in rendered
    # the non-member is not revealed: the text stays exactly as written
    assert "@Lerato_Mokoena" in rendered and "Lerato Mokoena" not in rendered
    # code is untouched
    assert "<code>@Sipho_Ndlovu</code>" in rendered


def test_render_keeps_script_inert():
    network = NetworkFactory()
    make_member(network, user=UserFactory(full_name="Sipho Ndlovu"))
    html = "<p>&lt;script&gt;alert(1)&lt;/script&gt; @Sipho_Ndlovu</p>"
    rendered = mentions.render_mentions(html, network=network)
    assert "<script>" not in rendered


def test_mention_notifies_member_and_not_a_non_member():
    # given a members-only network, its author and a mentioned member, and an outsider with a matching name
    network = NetworkFactory(visibility=Network.Visibility.MEMBERS)
    author = make_member(network)
    mentioned = make_member(network, user=UserFactory(full_name="Sipho Ndlovu"))
    outsider = UserFactory(full_name="Lerato Mokoena")
    topic, opener = make_topic(network, author)
    notify_post(post_id=opener.pk)
    # when a reply mentions both
    reply = make_reply(topic, author, body="@Sipho_Ndlovu and @Lerato_Mokoena, any ideas?")
    notify_post(post_id=reply.pk)
    # then the member gets a mention notification and the outsider nothing at all
    assert Notification.objects.filter(user=mentioned, post=reply, kind=Notification.Kind.MENTION).count() == 1
    assert not Notification.objects.filter(user=outsider).exists()


def test_self_mention_does_not_notify():
    network = NetworkFactory()
    author = make_member(network, user=UserFactory(full_name="Sipho Ndlovu"))
    topic, opener = make_topic(network, author, body="I, @Sipho_Ndlovu, ask")
    notify_post(post_id=opener.pk)
    assert not Notification.objects.filter(user=author).exists()


def test_ambiguous_name_resolves_to_nobody():
    network = NetworkFactory()
    make_member(network, user=UserFactory(full_name="Thabo Nkosi"))
    make_member(network, user=UserFactory(full_name="Thabo Nkosi"))
    assert mentions.mentioned_users("@Thabo_Nkosi", network=network) == []


def test_overlong_and_hostile_text_is_harmless():
    network = NetworkFactory()
    text = "@" + "x" * 5000 + " " + " ".join(f"@User_{i}" for i in range(200)) + " @[<script>]"
    assert mentions.mentioned_users(text, network=network) == []
    assert len(mentions.parse_mentions(text)) <= mentions.MAX_MENTIONS

@pytest.mark.parametrize(
    "full_name, written, trailing",
    [
        ("Christopher Dennis Jr.", "@Christopher_Dennis_Jr.", ""),  # the name itself ends with a full stop
        ("Sipho Ndlovu", "@Sipho_Ndlovu.", "."),  # a full stop that ends the sentence
        ("Mary O'Connor", "@Mary_O'Connor", ""),  # an apostrophe, HTML-escaped in the sanitised body
        ("Zoë d'Almeida-Nkosi", "@[Zoë d'Almeida-Nkosi]", ""),
    ],
)
def test_names_with_punctuation_resolve_and_render(full_name, written, trailing):
    # given a member whose name has punctuation, mentioned in an escaped HTML body as the sanitiser leaves it
    network = NetworkFactory()
    member = make_member(network, user=UserFactory(full_name=full_name))
    html = f"<p>Thanks {written} &amp; &lt;b&gt;all&lt;/b&gt;</p>".replace("'", "&#x27;")
    # when resolved and rendered
    assert mentions.mentioned_users(written, network=network) == [member]
    rendered = mentions.render_mentions(html, network=network)
    # then the mention is marked once with the member's name, and the rest stays escaped text
    assert rendered.count('class="mention"') == 1
    assert f'<strong class="mention">@{full_name}</strong>{trailing} &amp; &lt;b&gt;all&lt;/b&gt;'.replace(
        "'", "&#x27;"
    ) in rendered
    assert "<b>" not in rendered
