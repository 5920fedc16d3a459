"""Publishing pages (/newsletters/manage/): the dashboard, lists, issue compose and edit with a live recipient
count, preview at phone and desktop widths, test sends, sending (with a confirmation that states the recipient
count), scheduling, pause/resume/cancel, approval, and the issue page with its live progress bar and report.

Thin: who may is newsletters.permissions, writes are newsletters.services.issues and newsletters.services.dispatch
(imported inside the views that use it). Visitors are sent to log in; signed-in people who do not publish get 403 on
the dashboard and 404 for any list or issue, so nothing about drafts leaks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from newsletters import selectors
from newsletters.blocks import BlockError
from newsletters.forms import AudienceForm, IssueForm, NewsletterForm, ScheduleForm, SendTestForm
from newsletters.models import Issue, Newsletter
from newsletters.permissions import approval_required, can_approve_issue, can_publish_newsletters, is_approved_for_sending
from newsletters.rendering import email_parts, preview_html
from newsletters.services import issues as issue_services
from newsletters.services.audience import count_audience

# The previewed email runs nothing and loads nothing but its own inline styles; only our own pages may frame it.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'; sandbox allow-popups allow-popups-to-escape-sandbox"
)
LIVE_STATUSES = (Issue.Status.SENDING,)
PROGRESS_STATUSES = (Issue.Status.SENDING, Issue.Status.PAUSED, Issue.Status.SENT, Issue.Status.CANCELLED)


def publisher_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Visitors log in first; signed-in people who do not publish get 404 (lists and issues) — the view never runs,
    so a denied action changes nothing."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_publish_newsletters(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return never_cache(login_required(wrapped))


def _issue(issue_id: int) -> Issue:
    return get_object_or_404(Issue.objects.select_related("newsletter", "created_by", "approved_by"), pk=issue_id)


def _dispatch() -> Any:
    # Imported when used: the dispatcher is its own module, built alongside these pages.
    from newsletters.services import dispatch

    return dispatch


def _to_issue(issue: Issue) -> HttpResponse:
    return redirect("newsletters:issue_detail", issue_id=issue.pk)


# --- dashboard and lists ----------------------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    if not can_publish_newsletters(request.user):
        raise PermissionDenied
    dashboard = selectors.publisher_dashboard()
    sections = [
        {"key": "sending", "title": _("Sending now"), "issues": dashboard.in_progress, "date_label": _("Started"),
         "date_field": "send_started_at"},
        {"key": "scheduled", "title": _("Scheduled"), "issues": dashboard.scheduled, "date_label": _("Sends at"),
         "date_field": "scheduled_at"},
        {"key": "drafts", "title": _("Drafts"), "issues": dashboard.drafts, "date_label": _("Last changed"),
         "date_field": "updated_at", "always": True},
        {"key": "sent", "title": _("Recently sent"), "issues": dashboard.recently_sent, "date_label": _("Finished"),
         "date_field": "sent_at"},
    ]
    return render(request, "newsletters/manage/dashboard.html", {
        "dashboard": dashboard,
        "sections": sections,
        "approval_required": approval_required(),
        "crumbs": [(_("Newsletters"), reverse("newsletters:index")), (_("Publish"), None)],
    })


def _crumbs(*trail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [
        (_("Newsletters"), reverse("newsletters:index")),
        (_("Publish"), reverse("newsletters:publishing_dashboard")),
        *trail,
    ]


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def newsletter_create(request: HttpRequest) -> HttpResponse:
    if not can_publish_newsletters(request.user):
        raise PermissionDenied
    form = NewsletterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            newsletter = issue_services.create_newsletter(acting_user=request.user, **form.values())
        except issue_services.IssueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The newsletter “%(name)s” was created.") % {"name": newsletter.name})
            return redirect("newsletters:publishing_dashboard")
    return render(request, "newsletters/manage/newsletter_form.html", {
        "form": form, "is_new": True, "crumbs": _crumbs((_("New newsletter"), None)),
    }, status=400 if form.errors else 200)


@publisher_only
@require_http_methods(["GET", "HEAD", "POST"])
def newsletter_edit(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    newsletter = get_object_or_404(Newsletter, slug=newsletter_slug)
    form = NewsletterForm(request.POST or None, instance=newsletter)
    if request.method == "POST" and form.is_valid():
        try:
            issue_services.update_newsletter(newsletter=newsletter, acting_user=request.user, **form.values())
        except issue_services.IssueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("newsletters:publishing_dashboard")
    # A failed ModelForm validation has already written the posted values onto `newsletter`: show its saved name.
    saved = Newsletter.objects.get(pk=newsletter.pk)
    return render(request, "newsletters/manage/newsletter_form.html", {
        "form": form, "newsletter": saved, "is_new": False,
        "issues": selectors.newsletter_issues(saved),
        "crumbs": _crumbs((saved.name, None)),
    }, status=400 if form.errors else 200)


# --- composing --------------------------------------------------------------------------------------------------


def _audience_count(newsletter: Newsletter, filters: dict[str, Any]) -> int:
    return count_audience(newsletter=newsletter, filters=filters)


def _compose(request: HttpRequest, *, newsletter: Newsletter, issue: Issue | None) -> HttpResponse:
    if request.method == "POST":
        form = IssueForm(request.POST, newsletter=newsletter)
    else:
        form = IssueForm(initial=IssueForm.initial_for(issue) if issue else None, newsletter=newsletter)
    if request.method == "POST" and form.is_valid():
        try:
            if issue is None:
                issue = issue_services.create_issue(newsletter=newsletter, acting_user=request.user, **form.content())
                messages.success(request, _("The draft was saved."))
            else:
                issue_services.update_issue(issue=issue, acting_user=request.user, **form.content())
                messages.success(request, _("Your changes were saved."))
        except issue_services.IssueError as error:
            form.add_error(None, str(error))
        else:
            if "preview" in request.POST:
                return redirect("newsletters:issue_preview", issue_id=issue.pk)
            return _to_issue(issue)
    if form.is_bound:
        # Count what the form shows, even when another field (say, a block) is in error.
        audience = AudienceForm(request.POST, newsletter=newsletter)
        filters = audience.audience_filter() if audience.is_valid() else {}
    else:
        filters = issue.audience_filter if issue else {}
    title = issue.subject if issue else _("New issue")
    return render(request, "newsletters/manage/issue_form.html", {
        "form": form,
        "newsletter": newsletter,
        "issue": issue,
        "recipient_count": _audience_count(newsletter, filters),
        "crumbs": _crumbs((newsletter.name, reverse("newsletters:newsletter_edit", args=[newsletter.slug])),
                          (title, None)),
    }, status=400 if form.errors else 200)


@publisher_only
@require_http_methods(["GET", "HEAD", "POST"])
def issue_create(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    newsletter = get_object_or_404(Newsletter, slug=newsletter_slug)
    return _compose(request, newsletter=newsletter, issue=None)


@publisher_only
@require_http_methods(["GET", "HEAD", "POST"])
def issue_edit(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue(issue_id)
    if not issue.is_editable:
        # Refused before any form is read: an issue that is scheduled, sending or sent keeps its content.
        if request.method == "POST":
            return render(request, "newsletters/manage/issue_refused.html", {
                "issue": issue, "message": issue_services.not_editable_message(issue),
                "crumbs": _crumbs((issue.subject, reverse("newsletters:issue_detail", args=[issue.pk]))),
            }, status=409)
        messages.error(request, issue_services.not_editable_message(issue))
        return _to_issue(issue)
    return _compose(request, newsletter=issue.newsletter, issue=issue)


@publisher_only
@require_safe
def audience_count(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    """The live recipient count (htmx): the audience fields of the compose form, counted now."""
    newsletter = get_object_or_404(Newsletter, slug=newsletter_slug)
    form = AudienceForm(request.GET, newsletter=newsletter)
    filters = form.audience_filter() if form.is_valid() else {}
    return render(request, "newsletters/manage/_audience_count.html", {
        "recipient_count": _audience_count(newsletter, filters), "newsletter": newsletter,
    })


# --- the issue page ---------------------------------------------------------------------------------------------


def _progress(issue: Issue) -> Any:
    return _dispatch().progress(issue=issue)


@publisher_only
@require_safe
def issue_detail(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue(issue_id)
    context: dict[str, Any] = {
        "issue": issue,
        "newsletter": issue.newsletter,
        "approval_required": approval_required(),
        "is_approved": is_approved_for_sending(issue),
        "may_approve": can_approve_issue(request.user, issue),
        "is_live": issue.status in LIVE_STATUSES,
        "audience": selectors.describe_audience(issue.audience_filter),
        "test_form": SendTestForm(),
        "crumbs": _crumbs((issue.newsletter.name, reverse("newsletters:newsletter_edit",
                                                          args=[issue.newsletter.slug])), (issue.subject, None)),
    }
    if issue.is_editable or issue.status == Issue.Status.SCHEDULED:
        context["recipient_count"] = _audience_count(issue.newsletter, issue.audience_filter)
    if issue.status in PROGRESS_STATUSES:
        progress = _progress(issue)
        context["progress"] = progress
        context["report"] = selectors.issue_report(issue=issue, progress=progress)
    return render(request, "newsletters/manage/issue_detail.html", context)


@publisher_only
@require_safe
def issue_progress(request: HttpRequest, issue_id: int) -> HttpResponse:
    """The progress bar alone, for htmx polling every 2 s while sending. When the state changed since the page was
    drawn (paused elsewhere, finished) the whole page reloads so its buttons match."""
    issue = _issue(issue_id)
    response = render(request, "newsletters/manage/_progress.html", {
        "issue": issue, "progress": _progress(issue), "is_live": issue.status in LIVE_STATUSES,
    })
    drawn_as = request.GET.get("status")
    if getattr(request, "htmx", False) and drawn_as and drawn_as != issue.status:
        response["HX-Refresh"] = "true"
    return response


# --- preview and test -------------------------------------------------------------------------------------------


@publisher_only
@require_safe
def issue_preview(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue(issue_id)
    problem, text = "", ""
    try:
        _html, text = email_parts(issue=issue)
    except BlockError as error:
        problem = str(error)
    return render(request, "newsletters/manage/issue_preview.html", {
        "issue": issue, "newsletter": issue.newsletter, "text": text, "problem": problem,
        "crumbs": _crumbs((issue.subject, reverse("newsletters:issue_detail", args=[issue.pk])), (_("Preview"), None)),
    })


@xframe_options_sameorigin
@publisher_only
@require_safe
def issue_preview_email(request: HttpRequest, issue_id: int) -> HttpResponse:
    """The email itself, for the preview page's frames: a strict CSP of its own (no script, nothing loaded, only
    this site may frame it), markers pointing at the list's page."""
    issue = _issue(issue_id)
    try:
        html = preview_html(issue=issue)
    except BlockError as error:
        html = f"<!doctype html><title>{escape(_('Preview'))}</title><p>{escape(str(error))}</p>"
        response = HttpResponse(html, status=409)
    else:
        response = HttpResponse(html)
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@publisher_only
@require_http_methods(["GET", "HEAD", "POST"])
def issue_test(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue(issue_id)
    form = SendTestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dispatch = _dispatch()
        try:
            dispatch.send_test(issue=issue, addresses=form.cleaned_data["addresses"], acting_user=request.user)
        except (dispatch.SendRefused, BlockError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("A test was sent to %(addresses)s.") % {
                "addresses": ", ".join(form.cleaned_data["addresses"])
            })
            return _to_issue(issue)
    return render(request, "newsletters/manage/issue_test.html", {
        "issue": issue, "form": form,
        "crumbs": _crumbs((issue.subject, reverse("newsletters:issue_detail", args=[issue.pk])),
                          (_("Send a test"), None)),
    }, status=400 if form.errors else 200)


# --- approval, sending, scheduling ------------------------------------------------------------------------------


@publisher_only
@require_POST
def issue_approve(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue(issue_id)
    try:
        issue_services.approve_issue(issue=issue, acting_user=request.user)
    except issue_services.IssueError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("You approved this issue for sending."))
    return _to_issue(issue)


def _refuse_unapproved(request: HttpRequest, issue: Issue) -> HttpResponse | None:
    if is_approved_for_sending(issue):
        return None
    messages.error(request, _("This issue needs another publisher's approval before it can be sent or scheduled."))
    return _to_issue(issue)


@publisher_only
@require_http_methods(["GET", "HEAD", "POST"])
def issue_send(request: HttpRequest, issue_id: int) -> HttpResponse:
    """GET: the confirmation step, stating how many people will receive the issue. POST: start sending."""
    issue = _issue(issue_id)
    refused = _refuse_unapproved(request, issue)
    if refused is not None:
        return refused
    if issue.status not in (Issue.Status.DRAFT, Issue.Status.SCHEDULED):
        messages.error(request, _("This issue has already been sent or is being sent."))
        return _to_issue(issue)
    if request.method == "POST":
        dispatch = _dispatch()
        try:
            count = dispatch.start_send(issue=issue, acting_user=request.user)
        except (dispatch.SendRefused, BlockError) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Sending to %(count)s people has started.") % {"count": count})
        return _to_issue(issue)
    return render(request, "newsletters/manage/issue_send.html", {
        "issue": issue,
        "recipient_count": _audience_count(issue.newsletter, issue.audience_filter),
        "crumbs": _crumbs((issue.subject, reverse("newsletters:issue_detail", args=[issue.pk])), (_("Send"), None)),
    })


@publisher_only
@require_http_methods(["GET", "HEAD", "POST"])
def issue_schedule(request: HttpRequest, issue_id: int) -> HttpResponse:
    issue = _issue(issue_id)
    refused = _refuse_unapproved(request, issue)
    if refused is not None:
        return refused
    if issue.status != Issue.Status.DRAFT:
        messages.error(request, _("Only a draft can be scheduled."))
        return _to_issue(issue)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        dispatch = _dispatch()
        try:
            dispatch.schedule_send(issue=issue, when=form.cleaned_data["when"], acting_user=request.user)
        except (dispatch.SendRefused, BlockError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The issue is scheduled."))
            return _to_issue(issue)
    return render(request, "newsletters/manage/issue_schedule.html", {
        "issue": issue, "form": form,
        "recipient_count": _audience_count(issue.newsletter, issue.audience_filter),
        "crumbs": _crumbs((issue.subject, reverse("newsletters:issue_detail", args=[issue.pk])),
                          (_("Schedule"), None)),
    }, status=400 if form.errors else 200)


def _state_change(action: str, done: Any) -> Callable[..., HttpResponse]:
    """A POST-only view calling dispatch.<action>(issue=..., acting_user=...)."""

    @publisher_only
    @require_POST
    def view(request: HttpRequest, issue_id: int) -> HttpResponse:
        issue = _issue(issue_id)
        dispatch = _dispatch()
        try:
            getattr(dispatch, action)(issue=issue, acting_user=request.user)
        except dispatch.SendRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done)
        return _to_issue(issue)

    view.__name__ = f"issue_{action}"
    return view


issue_unschedule = _state_change("unschedule", gettext_lazy("The schedule was cancelled; the issue is a draft again."))
issue_pause = _state_change("pause_send", gettext_lazy("Sending is paused. Messages already handed over may still arrive."))
issue_resume = _state_change("resume_send", gettext_lazy("Sending has resumed."))


@publisher_only
@require_http_methods(["GET", "HEAD", "POST"])
def issue_cancel(request: HttpRequest, issue_id: int) -> HttpResponse:
    """GET: confirm (cancelling cannot be undone). POST: cancel the rest of the send."""
    issue = _issue(issue_id)
    if issue.status not in (Issue.Status.SENDING, Issue.Status.PAUSED):
        messages.error(request, _("Only an issue that is sending or paused can be cancelled."))
        return _to_issue(issue)
    if request.method == "POST":
        dispatch = _dispatch()
        try:
            dispatch.cancel_send(issue=issue, acting_user=request.user)
        except dispatch.SendRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Sending was cancelled. Nobody else will receive this issue."))
        return _to_issue(issue)
    return render(request, "newsletters/manage/issue_cancel.html", {
        "issue": issue, "progress": _progress(issue),
        "crumbs": _crumbs((issue.subject, reverse("newsletters:issue_detail", args=[issue.pk])), (_("Cancel"), None)),
    })
