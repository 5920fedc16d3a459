"""The bell page, notification settings, watching a topic, and one-click unsubscribe from emails."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from networks.context_processors import remember_unread_count
from networks.forms_notifications import NotificationSettingsForm, TopicWatchForm
from networks.models import EmailFrequency, ForumTopic, Membership, Network, Notification, NotificationPreference
from networks.services import notifications as service


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications, unread first, newest first; POST marks one (`notification`) or all read."""
    if request.method == "POST":
        raw = request.POST.get("notification")
        if raw and raw.isdigit():
            changed = service.mark_read(user=request.user, notification_id=int(raw))
            remember_unread_count(request, service.unread_count(user=request.user))
            target = Notification.objects.filter(user=request.user, pk=int(raw)).values_list("url", flat=True).first()
            if request.POST.get("open") and target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
                return HttpResponseRedirect(target)
            if changed:
                messages.success(request, _("Marked as read."))
        elif request.POST.get("all"):
            changed = service.mark_read(user=request.user)
            messages.success(request, _("All notifications marked as read."))
            remember_unread_count(request, 0)
        return redirect("networks:notification_list")
    qs = Notification.objects.filter(user=request.user).select_related("network", "actor").order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-id"
    )
    page_obj = Paginator(qs, 30).get_page(request.GET.get("page"))
    unread = service.unread_count(user=request.user)
    remember_unread_count(request, unread)  # the bell on this page and the next ones shows the same number
    return render(
        request,
        "networks/notification_list.html",
        {"page_obj": page_obj, "notifications": page_obj.object_list, "unread": unread},
    )


def _settings_form(request: HttpRequest, data=None) -> NotificationSettingsForm:
    user = request.user
    network_prefs = dict(
        NotificationPreference.objects.filter(user=user, network__isnull=False).values_list("network_id", "email_frequency")
    )
    networks = list(
        Network.objects.visible_to(user).filter(
            memberships__user=user, memberships__status=Membership.Status.ACTIVE
        ).order_by("name")
    )
    topic_prefs = list(
        NotificationPreference.objects.filter(user=user, topic__in=ForumTopic.objects.visible_to(user))
        .select_related("topic__network")
        .order_by("topic__network__name", "topic__title")
    )
    return NotificationSettingsForm(
        data,
        networks=[(n, network_prefs.get(n.pk, service.DEFAULT_FREQUENCY)) for n in networks],
        topics=[(p.topic, p.email_frequency) for p in topic_prefs],
    )


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """How the person hears about each network they belong to and each topic they watch."""
    if request.method == "POST":
        form = _settings_form(request, request.POST)
        if form.is_valid():
            for network, _f in form.networks:
                service.set_network_frequency(
                    user=request.user, network=network, frequency=form.cleaned_data[f"network_{network.pk}"]
                )
            for topic, _f in form.topics:
                value = form.cleaned_data[f"topic_{topic.pk}"]
                if value == NotificationSettingsForm.UNWATCH:
                    service.unwatch_topic(user=request.user, topic=topic)
                else:
                    service.watch_topic(user=request.user, topic=topic, frequency=value)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("networks:notification_settings")
    else:
        form = _settings_form(request)
    return render(request, "networks/notification_settings.html", {"form": form})


@login_required
@require_POST
def topic_watch(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Watch a topic with a frequency, or stop watching it (frequency "unwatch")."""
    topic = get_object_or_404(ForumTopic.objects.visible_to(request.user).select_related("network"), pk=pk,
                              network__slug=slug)
    form = TopicWatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how you want to hear about this discussion."))
        return redirect(topic.get_absolute_url())
    value = form.cleaned_data["frequency"]
    if value == NotificationSettingsForm.UNWATCH:
        service.unwatch_topic(user=request.user, topic=topic)
        messages.success(request, _("You are no longer watching this discussion."))
    else:
        service.watch_topic(user=request.user, topic=topic, frequency=value)
        messages.success(request, _("You are watching this discussion."))
    return redirect(topic.get_absolute_url())


@csrf_exempt  # one-click unsubscribe (RFC 8058) posts from the mail client without a session or CSRF token
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page; POST: stop the emails the signed token names. Works without signing in."""
    try:
        data = service.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "networks/notification_unsubscribe_invalid.html", status=400)
    user = get_user_model().objects.filter(pk=data["u"]).first()
    if user is None:
        return render(request, "networks/notification_unsubscribe_invalid.html", status=400)
    network = Network.objects.filter(pk=data.get("n")).first() if data.get("n") else None
    topic = ForumTopic.objects.filter(pk=data.get("t")).first() if data.get("t") else None
    if request.method == "POST":
        scope = service.unsubscribe(token_data=data)
        return render(request, "networks/notification_unsubscribe.html",
                      {"done": True, "scope": scope, "network": network, "topic": topic})
    return render(request, "networks/notification_unsubscribe.html",
                  {"done": False, "network": network, "topic": topic, "token": token})
