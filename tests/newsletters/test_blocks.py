"""Hub blocks in an issue's body: parsing, and above all visibility: a list shows only what all its readers may see
(a public list: public items only, never internal or members-only resources or members-only networks)."""

from __future__ import annotations

import pytest

from networks.models import ForumTopic, Network
from newsletters.blocks import BlockError, block_errors, parse_body, placeholder, resolve_blocks
from newsletters.models import Audience
from resources.models import Resource
from tests.networks.event_helpers import make_event, make_network
from tests.newsletters.factories import NewsletterFactory
from tests.resources.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def _resolve(newsletter, body):
    return resolve_blocks(parse_body(body).blocks, newsletter=newsletter)


def test_block_lines_are_found_and_replaced_by_placeholders():
    parsed = parse_body("Intro\n{{ resource: water-guide }}\n  {{events: 2}}\n{{ discussions: led-network 4 }}\nEnd")
    assert [(b.kind, b.argument, b.line) for b in parsed.blocks] == [
        ("resource", "water-guide", 2), ("events", "2", 3), ("discussions", "led-network 4", 4),
    ]
    assert placeholder(0) in parsed.markdown and "{{" not in parsed.markdown


def test_blocks_inside_fenced_code_or_inline_are_left_as_text():
    parsed = parse_body("```\n{{ resource: a }}\n```\nSee {{ resource: b }} inline\n    {{ resource: c }}")
    assert parsed.blocks == []


def test_public_list_never_features_internal_or_members_only_resources():
    public_list = NewsletterFactory(audience=Audience.PUBLIC)
    internal = ResourceFactory(slug="staff-handbook", title="Staff handbook", visibility=Resource.Visibility.INTERNAL)
    members = ResourceFactory(slug="members-guide", visibility=Resource.Visibility.MEMBERS)
    public = ResourceFactory(slug="open-guide", visibility=Resource.Visibility.PUBLIC)

    errors = block_errors(newsletter=public_list, body=f"{{{{ resource: {internal.slug} }}}}\n\n"
                                                      f"{{{{ resource: {members.slug} }}}}")
    assert len(errors) == 2
    assert "Line 1" in errors[0] and "Staff handbook" in errors[0] and "salga internal" in errors[0].lower()
    assert "Line 3" in errors[1] and "members only" in errors[1].lower()
    [resolved] = _resolve(public_list, f"{{{{ resource: {public.slug} }}}}")
    assert resolved.items == [public]


def test_staff_list_may_feature_internal_resources_and_members_list_members_ones():
    internal = ResourceFactory(visibility=Resource.Visibility.INTERNAL)
    members = ResourceFactory(visibility=Resource.Visibility.MEMBERS)
    staff_list = NewsletterFactory(audience=Audience.STAFF)
    members_list = NewsletterFactory(audience=Audience.MEMBERS)
    assert block_errors(newsletter=staff_list, body=f"{{{{ resource: {internal.slug} }}}}") == []
    assert block_errors(newsletter=members_list, body=f"{{{{ resource: {members.slug} }}}}") == []
    assert len(block_errors(newsletter=members_list, body=f"{{{{ resource: {internal.slug} }}}}")) == 1


def test_unknown_or_unpublished_resource_is_a_clear_error():
    draft = ResourceFactory(status=Resource.Status.DRAFT)
    newsletter = NewsletterFactory()
    [unknown] = block_errors(newsletter=newsletter, body="{{ resource: no-such-thing }}")
    assert "no published resource" in unknown and "no-such-thing" in unknown
    assert block_errors(newsletter=newsletter, body=f"{{{{ resource: {draft.slug} }}}}")


def test_a_pasted_resource_address_works():
    resource = ResourceFactory()
    [resolved] = _resolve(NewsletterFactory(), f"{{{{ resource: https://hub.example/resources/{resource.slug}/ }}}}")
    assert resolved.items == [resource]


def test_unknown_block_kind_and_bad_counts_are_errors():
    newsletter = NewsletterFactory()
    assert "is not a block" in block_errors(newsletter=newsletter, body="{{ poll: 3 }}")[0]
    assert "from 1 to 10" in block_errors(newsletter=newsletter, body="{{ events: 99 }}")[0]
    assert "from 1 to 10" in block_errors(newsletter=newsletter, body="{{ events: many }}")[0]
    with pytest.raises(BlockError):
        _resolve(newsletter, "{{ discussions: }}")


def test_events_block_shows_only_events_of_networks_the_audience_may_read():
    private = make_network(visibility=Network.Visibility.MEMBERS)
    public = make_network(visibility=Network.Visibility.PUBLIC)
    hub_wide = make_event(title="Hub-wide summit", days=1)
    in_public = make_event(network=public, title="Public workshop", days=2)
    in_private = make_event(network=private, title="Private meeting", days=3)
    make_event(title="Unpublished", days=1.5, is_published=False)
    make_event(title="Cancelled", days=1.2, is_cancelled=True)
    make_event(title="Past", days=-3)

    [public_block] = _resolve(NewsletterFactory(audience=Audience.PUBLIC), "{{ events: 10 }}")
    assert public_block.items == [hub_wide, in_public]
    [network_block] = _resolve(
        NewsletterFactory(audience=Audience.NETWORK_MEMBERS, network=private), "{{ events: 10 }}"
    )
    assert network_block.items == [hub_wide, in_public, in_private]
    [staff_block] = _resolve(NewsletterFactory(audience=Audience.STAFF), "{{ events: 2 }}")
    assert staff_block.items == [hub_wide, in_public]  # the count is respected


def test_discussions_block_refuses_a_members_only_network_in_a_public_list():
    private = make_network(visibility=Network.Visibility.MEMBERS, name="Finance officers", slug="finance")
    ForumTopic.objects.create(network=private, title="Secret budget talk", slug="secret")
    [error] = block_errors(newsletter=NewsletterFactory(audience=Audience.PUBLIC), body="{{ discussions: finance 3 }}")
    assert "Finance officers" in error and "members only" in error
    own = NewsletterFactory(audience=Audience.NETWORK_MEMBERS, network=private)
    [resolved] = _resolve(own, "{{ discussions: finance 3 }}")
    assert [t.title for t in resolved.items] == ["Secret budget talk"]


def test_discussions_block_lists_latest_topics_without_deleted_ones():
    network = make_network(slug="led")
    for number in range(4):
        ForumTopic.objects.create(network=network, title=f"Topic {number}", slug=f"t{number}")
    ForumTopic.objects.create(network=network, title="Deleted", slug="gone", is_deleted=True)
    [resolved] = _resolve(NewsletterFactory(), "{{ discussions: led 3 }}")
    assert [t.title for t in resolved.items] == ["Topic 3", "Topic 2", "Topic 1"]
    assert resolved.network == network
    assert "no network" in block_errors(newsletter=NewsletterFactory(), body="{{ discussions: nowhere }}")[0]
