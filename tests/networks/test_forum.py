"""The network forum: topics, replies, quoting, helpful, accepted answers, edits, soft deletion, limits, search."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from networks.models import ForumTopic, Membership, Network, Post, PostRevision, Reaction
from networks.services import forum
from networks.services.forum import ForumError
from tests.factories import UserFactory
from tests.networks.forum_fixtures import coordinator, join, make_network, member

pytestmark = pytest.mark.django_db


def _topic(network, author, title="How do we budget for indigent support?", body="Our **question**."):
    return forum.create_topic(network=network, author=author, title=title, body=body)


def test_topic_list_shows_pinned_first_with_reply_counts_and_answered_marker(client):
    # given a public network with two topics, the older one pinned and answered
    network = make_network()
    asker, answerer = member(network), member(network)
    old = _topic(network, asker, title="Older pinned question")
    answer = forum.create_reply(topic=old, author=answerer, body="Use the equitable share.")
    forum.accept_answer(post=answer, acting_user=asker)
    ForumTopic.objects.filter(pk=old.pk).update(is_pinned=True)
    _topic(network, asker, title="Newer question")
    # when anyone opens the forum
    response = client.get(reverse("networks:topic_list", kwargs={"slug": network.slug}))
    # then the pinned one comes first, with its reply count and the answered tag
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Older pinned question") < html.index("Newer question")
    assert "1 reply" in html and "Answered" in html


def test_member_creates_topic_with_inert_script_in_title_and_body(client):
    network = make_network()
    author = member(network)
    client.force_login(author)
    response = client.post(reverse("networks:topic_create", kwargs={"slug": network.slug}), {
        "title": "<script>alert(1)</script> Khâi-Ma water", "body": "Tshivenḓa <script>alert(2)</script> <b onclick=x>hi</b>",
    })
    topic = ForumTopic.objects.get(network=network)
    assert response.status_code == 302
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Khâi-Ma water" in page
    assert "<b onclick" not in topic.posts.get().body_html
    assert "Tshivenḓa" in page


def test_new_topic_form_errors_are_shown_and_nothing_saved(client):
    network = make_network()
    client.force_login(member(network))
    response = client.post(reverse("networks:topic_create", kwargs={"slug": network.slug}), {"title": " ", "body": "x" * 20001})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Enter a title." in html and "20,000 characters" in html
    assert 'aria-describedby="id_title-error' in html or 'id_title-error' in html
    assert not ForumTopic.objects.exists()


def test_non_member_cannot_post_and_nothing_changes(client):
    network = make_network()
    topic = _topic(network, member(network))
    outsider = UserFactory()
    client.force_login(outsider)
    assert client.post(reverse("networks:topic_create", kwargs={"slug": network.slug}),
                       {"title": "Hi", "body": "x"}).status_code == 403
    assert client.post(reverse("networks:reply_create", kwargs={"slug": network.slug, "pk": topic.pk}),
                       {"body": "Me too"}).status_code == 403
    assert Post.objects.count() == 1 and ForumTopic.objects.count() == 1


def test_posting_to_a_locked_topic_is_refused(client):
    network = make_network()
    author = member(network)
    topic = _topic(network, author)
    ForumTopic.objects.filter(pk=topic.pk).update(is_locked=True)
    client.force_login(author)
    response = client.post(reverse("networks:reply_create", kwargs={"slug": network.slug, "pk": topic.pk}), {"body": "More"})
    assert response.status_code == 403
    assert "locked" in response.content.decode()
    assert topic.posts.count() == 1


@pytest.mark.parametrize("status", [Membership.Status.LEFT, Membership.Status.REMOVED])
def test_person_who_left_or_was_removed_cannot_post(client, status):
    network = make_network()
    topic = _topic(network, member(network))
    former = join(network)
    Membership.objects.filter(pk=former.pk).update(status=status)
    client.force_login(former.user)
    response = client.post(reverse("networks:reply_create", kwargs={"slug": network.slug, "pk": topic.pk}), {"body": "Hello"})
    assert response.status_code == 403
    assert topic.posts.count() == 1
    with pytest.raises(ForumError):
        forum.create_topic(network=network, author=former.user, title="x", body="y")


def test_removed_member_loses_members_only_network_links(client):
    network = make_network(visibility=Network.Visibility.MEMBERS)
    topic = _topic(network, member(network))
    former = join(network)
    client.force_login(former.user)
    assert client.get(topic.get_absolute_url()).status_code == 200
    Membership.objects.filter(pk=former.pk).update(status=Membership.Status.REMOVED)
    assert client.get(topic.get_absolute_url()).status_code == 404
    assert client.get(reverse("networks:topic_list", kwargs={"slug": network.slug})).status_code == 404


def test_private_forum_content_is_absent_from_search_for_outsiders(client):
    network = make_network(visibility=Network.Visibility.MEMBERS)
    _topic(network, member(network), title="Secret tariff study", body="Electricity tariffs")
    client.force_login(UserFactory())
    url = reverse("networks:topic_list", kwargs={"slug": network.slug})
    assert client.get(url, {"q": "tariff"}).status_code == 404


def test_forum_search_finds_titles_and_replies_but_not_hidden_posts(client):
    network = make_network()
    author = member(network)
    water = _topic(network, author, title="Water losses in Khâi-Ma", body="Non-revenue water.")
    roads = _topic(network, author, title="Roads", body="Potholes")
    forum.create_reply(topic=roads, author=author, body="We used a pavement management system.")
    hidden_reply = forum.create_reply(topic=roads, author=author, body="zebracrossingsecret")
    Post.objects.filter(pk=hidden_reply.pk).update(moderation=Post.Moderation.HIDDEN)
    url = reverse("networks:topic_list", kwargs={"slug": network.slug})
    assert water.title in client.get(url, {"q": "water"}).content.decode()
    html = client.get(url, {"q": "pavement"}).content.decode()
    assert "Roads" in html and water.title not in html
    assert "No discussions match" in client.get(url, {"q": "zebracrossingsecret"}).content.decode()
    assert client.get(url, {"q": '"unbalanced -( OR \x00'}).status_code == 200


def test_reply_with_quote_renders_quote_block_with_link(client):
    network = make_network()
    asker, answerer = member(network), member(network)
    topic = _topic(network, asker)
    first = topic.posts.get()
    client.force_login(answerer)
    response = client.post(reverse("networks:reply_create", kwargs={"slug": network.slug, "pk": topic.pk}),
                           {"body": "I agree", "quote": first.pk})
    assert response.status_code == 302
    reply = Post.objects.get(body="I agree")
    assert reply.quoted_post == first
    page = client.get(topic.get_absolute_url()).content.decode()
    assert f'href="{topic.get_absolute_url()}#post-{first.pk}"' in page and "wrote:" in page
    assert ForumTopic.objects.get(pk=topic.pk).reply_count == 1


def test_helpful_is_counted_once_per_person(client):
    network = make_network()
    asker, answerer = member(network), member(network)
    topic = _topic(network, asker)
    answer = forum.create_reply(topic=topic, author=answerer, body="Answer")
    client.force_login(asker)
    url = reverse("networks:post_helpful", kwargs={"slug": network.slug, "post_id": answer.pk})
    assert client.get(url).status_code == 405
    client.post(url)
    client.post(url)
    answer.refresh_from_db()
    assert answer.helpful_count == 1 and Reaction.objects.count() == 1
    client.force_login(answerer)  # one's own post: refused
    assert client.post(url).status_code == 403
    answer.refresh_from_db()
    assert answer.helpful_count == 1


def test_accept_answer_by_author_shows_it_first_and_others_are_refused(client):
    network = make_network()
    asker, answerer, bystander = member(network), member(network), member(network)
    topic = _topic(network, asker)
    forum.create_reply(topic=topic, author=bystander, body="An early guess")
    answer = forum.create_reply(topic=topic, author=answerer, body="The real answer")
    url = reverse("networks:post_accept", kwargs={"slug": network.slug, "post_id": answer.pk})
    client.force_login(bystander)
    assert client.post(url).status_code == 403
    assert ForumTopic.objects.get(pk=topic.pk).accepted_post is None
    client.force_login(asker)
    assert client.post(url).status_code == 302
    assert ForumTopic.objects.get(pk=topic.pk).accepted_post == answer
    html = client.get(topic.get_absolute_url()).content.decode()
    assert html.index("Accepted answer") < html.index("An early guess")
    assert html.index(f'id="accepted-{answer.pk}"') < html.index("An early guess")


def test_coordinator_can_accept_but_question_itself_cannot_be_accepted():
    network = make_network()
    asker, coord = member(network), coordinator(network)
    topic = _topic(network, asker)
    with pytest.raises(ForumError):
        forum.accept_answer(post=topic.posts.get(), acting_user=asker)
    reply = forum.create_reply(topic=topic, author=member(network), body="Answer")
    forum.accept_answer(post=reply, acting_user=coord)
    assert ForumTopic.objects.get(pk=topic.pk).accepted_post == reply


def test_edit_keeps_revision_visible_only_to_coordinators(client):
    network = make_network()
    author, coord, other = member(network), coordinator(network), member(network)
    topic = _topic(network, author, body="First text")
    post = topic.posts.get()
    client.force_login(author)
    response = client.post(reverse("networks:post_edit", kwargs={"slug": network.slug, "post_id": post.pk}), {"body": "Second text"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "Second text" and post.edited_at is not None
    assert PostRevision.objects.get(post=post).body == "First text"
    revisions = reverse("networks:post_revisions", kwargs={"slug": network.slug, "post_id": post.pk})
    assert client.get(revisions).status_code == 404
    client.force_login(other)
    assert client.post(reverse("networks:post_edit", kwargs={"slug": network.slug, "post_id": post.pk}),
                       {"body": "Vandalised"}).status_code == 404
    post.refresh_from_db()
    assert post.body == "Second text"
    client.force_login(coord)
    assert "First text" in client.get(revisions).content.decode()


def test_soft_delete_by_author_shows_placeholder_and_others_are_refused(client):
    network = make_network()
    asker, author, other = member(network), member(network), member(network)
    topic = _topic(network, asker)
    reply = forum.create_reply(topic=topic, author=author, body="Regrettable words")
    url = reverse("networks:post_delete", kwargs={"slug": network.slug, "post_id": reply.pk})
    client.force_login(other)
    assert client.post(url).status_code == 403
    assert not Post.objects.get(pk=reply.pk).is_deleted
    client.force_login(author)
    assert client.post(url).status_code == 302
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "This post was deleted." in html and "Regrettable words" not in html
    assert ForumTopic.objects.get(pk=topic.pk).reply_count == 0


def test_new_member_daily_limits_give_a_clear_error(client):
    network = make_network(new_member_daily_topic_limit=1, new_member_daily_reply_limit=1)
    newcomer = join(network, days_ago=0).user
    topic = _topic(network, newcomer)
    client.force_login(newcomer)
    response = client.post(reverse("networks:topic_create", kwargs={"slug": network.slug}), {"title": "Second", "body": "x"})
    assert response.status_code == 400
    assert "New members can start 1 topics in their first day" in response.content.decode()
    forum.create_reply(topic=topic, author=newcomer, body="one")
    with pytest.raises(ForumError, match="replies in their first day"):
        forum.create_reply(topic=topic, author=newcomer, body="two")
    assert ForumTopic.objects.count() == 1


def test_premoderated_first_posts_wait_for_a_coordinator(client):
    network = make_network(premoderate_first_posts=1)
    newcomer = join(network)
    Membership.objects.filter(pk=newcomer.pk).update(approved_post_count=0)
    asker = member(network)
    topic = _topic(network, asker)
    reply = forum.create_reply(topic=topic, author=newcomer.user, body="My first reply")
    assert reply.moderation == Post.Moderation.PENDING
    assert "My first reply" not in client.get(topic.get_absolute_url()).content.decode()
    assert ForumTopic.objects.get(pk=topic.pk).reply_count == 0
    second = forum.create_reply(topic=topic, author=newcomer.user, body="Second")
    assert second.moderation == Post.Moderation.PENDING  # not yet approved


def _page_queries(client, url, page):
    """Queries of one topic page, leaving out allauth's hub-wide session-activity tracking (usersessions middleware:
    savepoint, select, user, update, release on every signed-in request), which is not the page's own work."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page": page})
    assert response.status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    tracking = [i for i, sql in enumerate(sqls) if "usersessions_usersession" in sql]
    if tracking:  # the block runs from the SAVEPOINT before the first to the RELEASE after the last
        start, end = tracking[0] - 1, tracking[-1] + 1
        sqls = sqls[:start] + sqls[end + 1:]
    return len(sqls)


def test_topic_page_query_count_is_bounded_whatever_its_length(client, django_assert_max_num_queries):
    network = make_network()
    asker, coord = member(network), coordinator(network)
    topic = _topic(network, asker)
    answerers = [member(network) for _ in range(5)]
    for index in range(60):
        post = forum.create_reply(topic=topic, author=answerers[index % 5], body=f"Reply {index}",
                                  quoted_post=topic.posts.first() if index % 3 == 0 else None)
        Reaction.objects.create(post=post, user=asker)
    forum.accept_answer(post=topic.posts.order_by("id")[3], acting_user=asker)
    url = topic.get_absolute_url()
    for page in ("1", "2", "last"):  # anonymous: everything counted
        with django_assert_max_num_queries(12):
            assert client.get(url, {"page": page}).status_code == 200
    for viewer in (asker, coord):
        client.force_login(viewer)
        client.get(url)  # the first signed-in request records the session (allauth)
        counts = {page: _page_queries(client, url, page) for page in ("1", "2", "last")}
        assert max(counts.values()) <= 12, counts


def test_reply_hands_fan_out_to_the_background_task_after_commit(monkeypatch, django_capture_on_commit_callbacks):
    import sys
    import types

    import networks

    calls = []
    fake = types.ModuleType("networks.tasks")
    fake.notify_post_task = types.SimpleNamespace(enqueue=lambda **kwargs: calls.append(kwargs))
    try:
        import networks.tasks as real_module  # noqa: F401 - n3's module, when present: use it unchanged
        monkeypatch.setattr(real_module, "notify_post_task", fake.notify_post_task)
    except ImportError:
        monkeypatch.setitem(sys.modules, "networks.tasks", fake)
        monkeypatch.setattr(networks, "tasks", fake, raising=False)
    network = make_network()
    topic = _topic(network, member(network))
    with django_capture_on_commit_callbacks(execute=True):
        reply = forum.create_reply(topic=topic, author=member(network), body="Fan me out")
        assert calls == []  # nothing before commit
    assert calls == [{"post_id": reply.pk}]


def test_mentions_are_rendered_only_for_members_of_the_network():
    network = make_network()
    asker = member(network)
    named = member(network)
    outsider = UserFactory(full_name="Nobody Outside")
    topic = _topic(network, asker)
    handle = named.full_name.replace(" ", "_")
    reply = forum.create_reply(topic=topic, author=asker, body=f"Thanks @{handle} and @Nobody_Outside")
    assert f'class="mention">@' in reply.body_html
    assert "Nobody" in reply.body_html and reply.body_html.count('class="mention"') == 1
    assert outsider.pk  # exists, but is not a member: not marked up


def test_topic_list_queries_do_not_grow_with_the_number_of_topics(client, django_assert_max_num_queries):
    network = make_network()
    author = member(network)
    for index in range(30):
        _topic(network, author, title=f"Question {index}")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("networks:topic_list", kwargs={"slug": network.slug})).status_code == 200


def test_topic_page_offers_watching_and_shows_the_current_choice(client):
    network = make_network()
    asker, reader = member(network), member(network)
    topic = _topic(network, asker)
    watch_url = reverse("networks:topic_watch", kwargs={"slug": network.slug, "pk": topic.pk})
    client.force_login(reader)
    # a member who does not watch it is offered to
    html = client.get(topic.get_absolute_url()).content.decode()
    assert f'action="{watch_url}"' in html and "Watch this discussion" in html and "Stop watching" not in html
    # once watching (by email for each post), the page shows that choice and a way to stop
    client.post(watch_url, {"frequency": "each"})
    html = client.get(topic.get_absolute_url()).content.decode()
    assert '<option value="each" selected>' in html and "Stop watching" in html
    # visitors see no watch form
    client.logout()
    assert watch_url not in client.get(topic.get_absolute_url()).content.decode()


def test_accepted_answers_are_counted_beside_the_answerer_on_posts_and_in_the_member_list(client):
    network = make_network()
    asker, expert, other = member(network), member(network), member(network)
    for number in range(2):
        topic = _topic(network, asker, title=f"Question {number}")
        forum.accept_answer(post=forum.create_reply(topic=topic, author=expert, body=f"Answer {number}"),
                            acting_user=asker)
    deleted = _topic(network, asker, title="Withdrawn question")
    forum.accept_answer(post=forum.create_reply(topic=deleted, author=expert, body="Gone"), acting_user=asker)
    ForumTopic.objects.filter(pk=deleted.pk).update(is_deleted=True)  # deleted topics do not count
    elsewhere = make_network()
    join(elsewhere, expert)
    join(elsewhere, asker)
    outside = _topic(elsewhere, asker, title="Another network's question")
    forum.accept_answer(post=forum.create_reply(topic=outside, author=expert, body="Elsewhere"), acting_user=asker)
    reply = forum.create_reply(topic=topic, author=other, body="Me too")
    client.force_login(asker)
    # on the topic page, the expert's posts carry their count in this network; others none
    html = client.get(topic.get_absolute_url()).content.decode()
    assert "(2 accepted answers)" in html
    other_post = html[html.index(f'id="post-{reply.pk}"'):]
    assert "accepted answer" not in other_post[:other_post.index("</p>")]
    # and the member list shows everyone's count
    response = client.get(reverse("networks:member_list", kwargs={"slug": network.slug}))
    counts = {m.user_id: m.accepted_answers for m in response.context["members"]}
    assert counts[expert.pk] == 2 and counts[other.pk] == 0 and counts[asker.pk] == 0
    assert '<th scope="col" class="numeric">Accepted answers</th>' in response.content.decode()


def test_topic_pages_show_replies_in_order_twenty_a_page(client):
    network = make_network()
    asker, answerer = member(network), member(network)
    topic = _topic(network, asker)
    for index in range(45):
        forum.create_reply(topic=topic, author=answerer, body=f"Reply number {index:02d}.")
    url = topic.get_absolute_url()

    def shown(page):
        html = client.get(url, {"page": page}).content.decode()
        return [int(number) for number in re.findall(r"Reply number (\d\d)\.", html)]

    assert shown("1") == list(range(0, 20))
    assert shown("2") == list(range(20, 40))
    assert shown("last") == shown("3") == list(range(40, 45))


@pytest.mark.parametrize("name", ["post_edit", "post_delete", "post_helpful", "post_accept", "post_flag", "post_revisions"])
def test_post_action_links_are_the_reversed_urls_even_under_a_script_prefix(name):
    from django.urls import reverse, set_script_prefix

    from networks.templatetags.forum_urls import post_url

    network = make_network()
    post = forum.create_topic(network=network, author=member(network), title="A question", body="Body").posts.get()
    try:
        for prefix in ("/", "/hub/"):
            set_script_prefix(prefix)
            assert post_url(name, network, post) == reverse(f"networks:{name}", kwargs={"slug": network.slug, "post_id": post.pk})
    finally:
        set_script_prefix("/")
