"""Moderation views for coordinators of a network: pin/lock/move a topic, flag a post, revision history, the
moderation queue and its actions. Coordinators of another network get 404/403 and nothing changes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from networks import selectors
from networks.forms import FlagForm, ModerationActionForm, TopicManageForm
from networks.models import ForumTopic, Post
from networks.services import forum as forum_service
from networks.services import moderation as moderation_service
from networks.services.forum import ForumError, can_moderate
from networks.views.forum import _post_in


def _denied(request: HttpRequest, message: str, topic: ForumTopic | None = None) -> HttpResponse:
    return render(request, "networks/post_denied.html", {"message": message, "topic": topic}, status=403)


@login_required
@require_POST
def topic_manage(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    topic = get_object_or_404(ForumTopic.objects.visible_to(request.user).filter(network=network).select_related("network"), pk=pk)
    if not can_moderate(request.user, network):
        return _denied(request, _("Only a coordinator of this network can do that."), topic)
    form = TopicManageForm(request.POST, networks=selectors.moderated_networks(request.user))
    if not form.is_valid():
        return _denied(request, " ".join(e for errors in form.errors.values() for e in errors), topic)
    action = form.cleaned_data["action"]
    try:
        if action == "move":
            forum_service.move_topic(topic=topic, acting_user=request.user, target=form.cleaned_data["target"])
        else:
            forum_service.set_topic_flags(
                topic=topic, acting_user=request.user,
                pinned={"pin": True, "unpin": False}.get(action), locked={"lock": True, "unlock": False}.get(action),
            )
    except ForumError as error:
        return _denied(request, str(error), topic)
    messages.success(request, _("The discussion was updated."))
    return redirect(topic.get_absolute_url())


@login_required
def post_flag(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network, post = _post_in(request, slug, post_id)
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation_service.flag_post(post=post, reporter=request.user, **form.cleaned_data)
        except ForumError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you. The coordinators will look at this post."))
            return redirect(f"{post.topic.get_absolute_url()}#post-{post.pk}")
    return render(request, "networks/post_flag.html", {"network": network, "post": post, "topic": post.topic, "form": form},
                  status=400 if form.errors else 200)


@login_required
def post_revisions(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network, post = _post_in(request, slug, post_id)
    if not can_moderate(request.user, network):
        raise Http404
    revisions = post.revisions.select_related("edited_by")
    return render(request, "networks/post_revisions.html", {"network": network, "post": post, "topic": post.topic,
                                                             "revisions": revisions})


@login_required
def moderation_queue(request: HttpRequest, slug: str) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    if not can_moderate(request.user, network):
        raise Http404
    return render(request, "networks/moderation_queue.html", {"network": network, **selectors.moderation_queue(network)})


@login_required
@require_POST
def post_moderate(request: HttpRequest, slug: str, post_id: int) -> HttpResponse:
    network = selectors.network_for(request.user, slug)
    if not can_moderate(request.user, network):
        raise Http404
    post = get_object_or_404(Post.objects.select_related("topic", "topic__network", "author"), pk=post_id, topic__network=network)
    form = ModerationActionForm(request.POST)
    if not form.is_valid():
        return _denied(request, _("Choose an action."), post.topic)
    action, note = form.cleaned_data["action"], form.cleaned_data["note"]
    try:
        if action == "hide":
            moderation_service.hide_post(post=post, acting_user=request.user, note=note)
        elif action == "restore":
            moderation_service.restore_post(post=post, acting_user=request.user, note=note)
        elif action == "approve":
            moderation_service.approve_post(post=post, acting_user=request.user)
        elif action == "warn":
            moderation_service.warn_author(post=post, acting_user=request.user, message=note)
        else:
            moderation_service.remove_author(post=post, acting_user=request.user, reason=note)
    except ForumError as error:
        return _denied(request, str(error), post.topic)
    messages.success(request, _("Done."))
    return redirect("networks:moderation_queue", slug=network.slug)
