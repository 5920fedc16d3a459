"""The subscriber pages: public sign-up and its confirmation, a member's one-click subscribe and unsubscribe and
"my subscriptions", the token manage page, one-click unsubscribe (RFC 8058), and the publishers' import, export and
erasure of subscribers. Thin: parse, authorise, call newsletters.services.subscriptions, render.

Signed links (confirm, manage, unsubscribe) that are tampered with, expired, or no longer name anything answer 400
with a page saying so, and change nothing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from hub.permissions import is_member
from newsletters import tokens
from newsletters.forms_subscribers import (
    SignUpForm,
    SubscriberDetailsForm,
    SubscriberEraseForm,
    SubscriberImportForm,
)
from newsletters.models import Audience, Newsletter, Subscriber, Subscription, normalise_email
from newsletters.permissions import can_publish_newsletters, can_subscribe_as_member
from newsletters.selectors_subscribers import manage_lists, member_lists, subscription_statuses
from newsletters.services import subscriptions as service

INVALID_LINK = "newsletters/subscribe_link_invalid.html"


def _invalid_link(request: HttpRequest, kind: str) -> HttpResponse:
    return render(request, INVALID_LINK, {"kind": kind}, status=400)


def _client_ip(request: HttpRequest) -> str:
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return request.META.get("REMOTE_ADDR", "unknown")


def _crumbs(newsletter: Newsletter | None, current: str) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [(_("Newsletters"), reverse("newsletters:index"))]
    if newsletter is not None:
        crumbs.append((newsletter.name, newsletter.get_absolute_url()))
    crumbs.append((current, None))
    return crumbs


# --- Public sign-up ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    """The sign-up page of one newsletter. Visitors get the double opt-in form (public lists only); signed-in members
    get the one-click button (which posts to member_subscribe). Lists the person may not see answer 404."""
    newsletter = get_object_or_404(
        Newsletter.objects.visible_to(request.user).filter(is_active=True), slug=newsletter_slug
    )
    is_public = newsletter.audience == Audience.PUBLIC
    member_may_subscribe = can_subscribe_as_member(request.user, newsletter)
    if not is_public and not member_may_subscribe:
        raise Http404
    context: dict[str, Any] = {
        "newsletter": newsletter,
        "member_may_subscribe": member_may_subscribe,
        "status": subscription_statuses(user=request.user).get(newsletter.pk, "") if member_may_subscribe else "",
        "crumbs": _crumbs(newsletter, _("Subscribe")),
    }
    if not is_public:
        return render(request, "newsletters/subscribe_form.html", context)
    form = SignUpForm(request.POST if request.method == "POST" else None, newsletter=newsletter)
    status = 200
    if request.method == "POST":
        try:
            service.check_signup_rate(client_ip=_client_ip(request))
        except service.SignUpRateLimited as error:
            form.is_valid()
            form.add_error(None, str(error))
            status = 429
        else:
            if form.is_valid():
                data = form.cleaned_data
                service.subscribe_public(
                    newsletter=newsletter,
                    email=data["email"],
                    name=data["name"],
                    municipality=data["municipality"],
                    function=data["function"],
                    language=data["language"],
                    wording=newsletter.consent_wording,
                    source=_("Sign-up form at %(path)s") % {"path": request.path},
                )
                # The same page whether the address was new, pending or already subscribed.
                return redirect("newsletters:subscribe_sent", newsletter_slug=newsletter.slug)
    context["form"] = form
    return render(request, "newsletters/subscribe_form.html", context, status=status)


@require_safe
def subscribe_sent(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    newsletter = get_object_or_404(Newsletter.objects.filter(is_active=True, audience=Audience.PUBLIC),
                                   slug=newsletter_slug)
    return render(
        request,
        "newsletters/subscribe_sent.html",
        {"newsletter": newsletter, "days": settings.NEWSLETTER_CONFIRM_TOKEN_DAYS,
         "crumbs": _crumbs(newsletter, _("Check your email"))},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation email. GET shows a button (so a mail scanner following links confirms nothing);
    POST confirms."""
    try:
        subscription = tokens.read_confirm_token(token)
    except signing.BadSignature:
        return _invalid_link(request, "confirm")
    subscription = Subscription.objects.select_related("newsletter", "subscriber").get(pk=subscription.pk)
    context: dict[str, Any] = {
        "newsletter": subscription.newsletter,
        "subscription": subscription,
        "crumbs": _crumbs(None, _("Confirm your subscription")),
    }
    if request.method == "POST":
        try:
            service.confirm_subscription(subscription=subscription)
        except service.ConfirmationInvalid:
            return _invalid_link(request, "confirm")
        context["done"] = True
        context["manage_url"] = tokens.manage_url(subscriber=subscription.subscriber)
    elif not service.has_open_consent(subscription):
        if subscription.status != Subscription.Status.SUBSCRIBED:
            return _invalid_link(request, "confirm")
        context["done"] = True
        context["manage_url"] = tokens.manage_url(subscriber=subscription.subscriber)
    return render(request, "newsletters/subscribe_confirm.html", context)


# --- One-click unsubscribe (RFC 8058) ---------------------------------------------------------------------------


@csrf_exempt  # mail providers POST "List-Unsubscribe=One-Click" without a session or CSRF token (RFC 8058)
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with an Unsubscribe button (link scanners follow GETs, so a GET never unsubscribes). POST (the
    button, or the mail provider's one-click request): unsubscribes and answers 200. Idempotent."""
    try:
        claim = tokens.read_unsubscribe_token(token)
    except signing.BadSignature:
        return _invalid_link(request, "unsubscribe")
    subscription = Subscription.objects.select_related("newsletter", "subscriber").get(pk=claim.subscription.pk)
    context: dict[str, Any] = {
        "newsletter": subscription.newsletter,
        "subscription": subscription,
        "crumbs": _crumbs(None, _("Unsubscribe")),
    }
    if request.method == "POST":
        service.unsubscribe(subscription=subscription, issue_id=claim.issue_id)
        context["manage_url"] = tokens.manage_url(subscriber=subscription.subscriber)
        context["is_public"] = subscription.newsletter.audience == Audience.PUBLIC
        return render(request, "newsletters/unsubscribe_done.html", context)
    context["already"] = subscription.status not in service.ACTIVE
    return render(request, "newsletters/unsubscribe_confirm.html", context)


# --- Manage page (no log-in) ------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    """Everything about one address without logging in: details, each list (unsubscribe, or subscribe with double
    opt-in), stop all email, erase. Each POST names its action."""
    try:
        subscriber = tokens.read_manage_token(token)
    except signing.BadSignature:
        return _invalid_link(request, "manage")
    details_form = SubscriberDetailsForm(
        request.POST if request.POST.get("action") == "details" else None,
        initial={"name": subscriber.name, "language": subscriber.language},
    )
    if request.method == "POST":
        response = _manage_action(request, subscriber, details_form)
        if response is not None:
            return response
    return render(
        request,
        "newsletters/manage_subscriptions.html",
        {"subscriber": subscriber, "rows": manage_lists(subscriber=subscriber), "details_form": details_form,
         "token": token, "crumbs": _crumbs(None, _("Your newsletter subscriptions"))},
        status=400 if details_form.is_bound and details_form.errors else 200,
    )


def _manage_action(request: HttpRequest, subscriber: Subscriber, details_form: SubscriberDetailsForm) -> HttpResponse | None:
    action = request.POST.get("action", "")
    if action == "details":
        if not details_form.is_valid():
            return None
        service.update_subscriber_details(
            subscriber=subscriber, name=details_form.cleaned_data["name"],
            language=details_form.cleaned_data["language"],
        )
        messages.success(request, _("Your details are saved."))
    elif action == "unsubscribe":
        subscription = get_object_or_404(Subscription, pk=_int(request.POST.get("subscription")), subscriber=subscriber)
        service.unsubscribe(subscription=subscription)
        messages.success(request, _("You are unsubscribed from %(name)s.") % {"name": subscription.newsletter.name})
    elif action == "subscribe":
        newsletter = get_object_or_404(
            Newsletter, pk=_int(request.POST.get("newsletter")), is_active=True, audience=Audience.PUBLIC
        )
        service.request_subscription(subscriber=subscriber, newsletter=newsletter)
        messages.success(
            request,
            _("We sent you an email to confirm your subscription to %(name)s. Follow its link to start receiving it.")
            % {"name": newsletter.name},
        )
    elif action == "stop_all":
        service.unsubscribe_everything(subscriber=subscriber)
        messages.success(request, _("You will get no more newsletters from us."))
    elif action == "erase":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm that we should delete everything about you."))
        else:
            service.erase_subscriber(subscriber=subscriber)
            return render(request, "newsletters/manage_erased.html",
                          {"crumbs": _crumbs(None, _("Your newsletter subscriptions"))})
    else:
        return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
    return redirect(request.path)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise Http404 from error


# --- Members ----------------------------------------------------------------------------------------------------


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return redirect(target)
    return redirect("newsletters:my_subscriptions")


@login_required
@require_POST
def member_subscribe(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    newsletter = get_object_or_404(
        Newsletter.objects.visible_to(request.user).filter(is_active=True), slug=newsletter_slug
    )
    try:
        service.subscribe_member(newsletter=newsletter, user=request.user)
    except service.SubscriptionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You are subscribed to %(name)s.") % {"name": newsletter.name})
    return _back(request)


@login_required
@require_POST
def member_unsubscribe(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    subscriber = service.subscriber_for_member(user=request.user)
    if subscriber is None:
        raise Http404
    subscription = get_object_or_404(
        Subscription.objects.select_related("newsletter"), subscriber=subscriber, newsletter__slug=newsletter_slug
    )
    service.unsubscribe(subscription=subscription)
    messages.success(request, _("You are unsubscribed from %(name)s.") % {"name": subscription.newsletter.name})
    return _back(request)


@login_required
@require_safe
def my_subscriptions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "newsletters/subscribe_mine.html",
        {"rows": member_lists(user=request.user), "may_subscribe": is_member(request.user),
         "crumbs": _crumbs(None, _("Your newsletters"))},
    )


# --- Publishers: import, export, erasure ------------------------------------------------------------------------


def _require_publisher(request: HttpRequest) -> None:
    if not can_publish_newsletters(request.user):
        raise PermissionDenied


def _publisher_crumbs(newsletter: Newsletter | None, current: str) -> list[tuple[str, str | None]]:
    crumbs: list[tuple[str, str | None]] = [(_("Newsletters"), reverse("newsletters:index"))]
    if newsletter is not None:
        crumbs.append((newsletter.name, newsletter.get_absolute_url()))
    crumbs.append((current, None))
    return crumbs


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscriber_import(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    """Upload a CSV; every row is checked and reported; nothing is imported unless every row is right."""
    _require_publisher(request)
    newsletter = get_object_or_404(Newsletter, slug=newsletter_slug)
    form = SubscriberImportForm(*((request.POST, request.FILES) if request.method == "POST" else ()))
    report, file_error = None, ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = service.import_subscribers(
                newsletter=newsletter,
                text=service.decode_upload(upload.read()),
                source_name=upload.name,
                acting_user=request.user,
            )
        except service.ImportFileError as error:
            file_error = str(error)
    status = 400 if request.method == "POST" and (form.errors or file_error or (report and not report.is_valid)) else 200
    return render(
        request,
        "newsletters/manage_import.html",
        {"newsletter": newsletter, "form": form, "report": report, "file_error": file_error,
         "columns": service.IMPORT_COLUMNS, "crumbs": _publisher_crumbs(newsletter, _("Import subscribers"))},
        status=status,
    )


@login_required
@require_safe
def subscriber_export(request: HttpRequest, newsletter_slug: str) -> StreamingHttpResponse:
    _require_publisher(request)
    newsletter = get_object_or_404(Newsletter, slug=newsletter_slug)
    response = StreamingHttpResponse(
        service.export_subscribers_csv(newsletter=newsletter, acting_user=request.user),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{newsletter.slug}-subscribers.csv"'
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def subscriber_erase(request: HttpRequest) -> HttpResponse:
    """Record a subscriber's erasure request received by email or letter."""
    _require_publisher(request)
    form = SubscriberEraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        subscriber = Subscriber.objects.filter(email=normalise_email(form.cleaned_data["email"])).first()
        if subscriber is None:
            form.add_error("email", _("No subscriber has this address: there is nothing to erase."))
        else:
            service.erase_subscriber(subscriber=subscriber, acting_user=request.user)
            messages.success(request, _("The subscriber was erased. Only a hash of the address is kept, so it is "
                                        "never mailed again unless it signs up anew."))
            return redirect("newsletters:subscriber_erase")
    return render(
        request,
        "newsletters/manage_erase.html",
        {"form": form, "crumbs": _publisher_crumbs(None, _("Erase a subscriber"))},
        status=400 if form.errors else 200,
    )
