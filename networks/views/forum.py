"""Views of a network's forum: topic list and search, new topic, topic page, reply, edit, delete, helpful, accept,
and turning a discussion into a draft resource. Writes go through networks.services.forum."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from networks import selectors
from networks.forms import ForumSearchForm, PostEditForm, ReplyForm, TopicForm
from networks.models import ForumTopic, Post
from networks.services import forum as forum_service
from networks.services.forum import ForumError


def _post_in(request: HttpRequest, slug: str, post_id: int) -> tuple[Any, Post]:
    network = selectors.network_for(request.user, slug)
    post = get_object_or_404(
        Post.objects.select_related("topic", "topic__network", "author").filter(
            topic__in=ForumTopic.objects.visible_to(request.user).filter(network=network)),
        pk=post_id,
    )
    return network, post


def topic_list(request: HttpRequest, slug: str) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    membership = selectors.viewer_membership(request.user, network)
    moderator = selectors.is_moderator(request.user, membership)
    search_form = ForumSearchForm(request.GET or None)
    query = search_form.cleaned_data.get("q", "") if search_form.is_valid() else ""
    topics = (selectors.search_topics(request.user, network, query) if query
              else selectors.topics_for(request.user, network, moderator=moderator))
    page_obj = Paginator(topics, selectors.TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "networks/topic_list.html", {
        "network": network, "page_obj": page_obj, "search_form": search_form, "query": query,
        "can_post": bool(membership and membership.is_active and not membership.is_banned), "moderator": moderator,
    })


@login_required
def topic_create(request: HttpRequest, slug: str) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    membership = selectors.viewer_membership(request.user, network)
    if not (membership and membership.is_active and not membership.is_banned):
        return render(request, "networks/topic_not_member.html", {"network": network}, status=403)
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = forum_service.create_topic(network=network, author=request.user, **form.cleaned_data)
        except ForumError as error:
            form.add_error(None, str(error))
        else:
            if topic.posts.filter(moderation=Post.Moderation.PENDING).exists():
                messages.info(request, _("Thank you. A coordinator will check your post before others can see it."))
            return redirect(topic.get_absolute_url())
    return render(request, "networks/topic_form.html", {"network": network, "form": form},
                  status=400 if form.errors else 200)


def topic_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    membership, coordinated = selectors.viewer_membership_and_coordinated(request.user, network)
    data = selectors.topic_page(request.user, network, pk, request.GET.get("page"), membership)
    quote_id = request.GET.get("quote")
    initial: dict[str, Any] = {}
    if quote_id and quote_id.isdigit():
        initial["quote"] = int(quote_id)
    return render(request, "networks/topic_detail.html", {
        "network": network, "data": data, "topic": data.topic, "page_obj": data.page,
        "reply_form": ReplyForm(initial=initial),
        "move_targets": _move_targets(request.user, network, coordinated) if data.moderator else [],
        "can_post": bool(membership and membership.is_active and not membership.is_banned
                         and (data.moderator or not data.topic.is_locked)),
        "is_member": bool(membership and membership.is_active and not membership.is_banned),
        "can_accept": data.moderator or (membership is not None and membership.is_active
                                         and data.topic.author_id == request.user.pk),
    })


def _move_targets(user: Any, network: Any, coordinated: list[Any]) -> list[Any]:
    from hub.permissions import is_site_administrator

    if is_site_administrator(user):
        return list(selectors.moderated_networks(user).exclude(pk=network.pk))
    return coordinated


@login_required
@require_POST
def reply_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    topic = get_object_or_404(ForumTopic.objects.visible_to(request.user).filter(network=network).select_related("network"), pk=pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return render(request, "networks/post_reply_form.html", {"network": network, "topic": topic, "form": form}, status=400)
    quoted = None
    if form.cleaned_data.get("quote"):
        quoted = Post.objects.filter(topic=topic, pk=form.cleaned_data["quote"]).first()
    try:
        post = forum_service.create_reply(topic=topic, author=request.user, body=form.cleaned_data["body"], quoted_post=quoted)
    except ForumError as error:
        form.add_error(None, str(error))
        return render(request, "networks/post_reply_form.html", {"network": network, "topic": topic, "form": form}, status=403)
    if post.moderation == Post.Moderation.PENDING:
        messages.info(request, _("Thank you. A coordinator will check your reply before others can see it."))
        return redirect(topic.get_absolute_url())
    return redirect(f"{topic.get_absolute_url()}?page=last#post-{post.pk}")


@login_required
def post_edit(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network, post = _post_in(request, slug, post_id)
    if not forum_service.can_edit_post(request.user, post):
        raise Http404
    form = PostEditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            forum_service.edit_post(post=post, editor=request.user, body=form.cleaned_data["body"])
        except ForumError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(f"{post.topic.get_absolute_url()}#post-{post.pk}")
    return render(request, "networks/post_edit.html", {"network": network, "post": post, "topic": post.topic, "form": form},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def post_delete(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network, post = _post_in(request, slug, post_id)
    try:
        forum_service.delete_post(post=post, acting_user=request.user)
    except ForumError as error:
        return _forbidden(request, error, post)
    messages.success(request, _("The post was deleted."))
    return redirect(f"{post.topic.get_absolute_url()}#post-{post.pk}")


def _forbidden(request: HttpRequest, error: Exception, post: Post | None = None) -> HttpResponse:
    return render(request, "networks/post_denied.html", {"message": str(error), "post": post,
                                                          "topic": post.topic if post else None}, status=403)


@login_required
@require_POST
def post_helpful(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network, post = _post_in(request, slug, post_id)
    try:
        forum_service.mark_helpful(post=post, user=request.user)
    except ForumError as error:
        return _forbidden(request, error, post)
    return redirect(f"{post.topic.get_absolute_url()}#post-{post.pk}")


@login_required
@require_POST
def post_accept(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network, post = _post_in(request, slug, post_id)
    try:
        forum_service.accept_answer(post=post, acting_user=request.user)
    except ForumError as error:
        return _forbidden(request, error, post)
    messages.success(request, _("The answer was accepted."))
    return redirect(post.topic.get_absolute_url())


@login_required
@require_POST
def topic_to_resource(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    topic = get_object_or_404(ForumTopic.objects.visible_to(request.user).filter(network=network).select_related("network"), pk=pk)
    try:
        resource = forum_service.topic_to_resource(
            topic=topic, acting_user=request.user, site_url=request.build_absolute_uri("/").rstrip("/"))
    except ForumError as error:
        return render(request, "networks/post_denied.html", {"message": str(error), "topic": topic}, status=403)
    messages.success(request, _("A draft resource was created. Check it and submit it for review."))
    return redirect(reverse("resources:resource_edit", kwargs={"slug": resource.slug}))
