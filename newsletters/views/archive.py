"""The public face of the newsletters: the index (/newsletters/), a list's archive (/newsletters/<list>/) and an
issue's web version (/newsletters/<list>/<issue>/). Thin: visibility is Newsletter/Issue.objects.visible_to; lists
and issues a person may not see answer 404. The web version shows what was sent, inside the site's layout, without
the email's footer (so no personal link can leak)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from newsletters import selectors
from newsletters.blocks import BlockError
from newsletters.models import Audience, Issue, Newsletter
from newsletters.permissions import can_publish_newsletters
from newsletters.rendering import web_content

ISSUES_PER_PAGE = 20
SUBSCRIBE_BUTTON = "newsletters/includes/subscribe_button.html"


def subscribe_button_template() -> str | None:
    """The subscribers' sign-up button include, once it exists (the subscriber pages are built alongside)."""
    try:
        get_template(SUBSCRIBE_BUTTON)
    except TemplateDoesNotExist:
        return None
    return SUBSCRIBE_BUTTON


def subscribe_url(newsletter: Newsletter) -> str | None:
    try:
        return reverse("newsletters:subscribe", args=[newsletter.slug])
    except NoReverseMatch:
        return None


def _subscribe_context(newsletters: list[Newsletter]) -> dict[str, Any]:
    include = subscribe_button_template()
    if include is None:
        for newsletter in newsletters:
            newsletter.subscribe_url = subscribe_url(newsletter)
    return {"subscribe_button": include}


def _newsletter_or_404(request: HttpRequest, slug: str) -> Newsletter:
    newsletter = selectors.visible_newsletter(user=request.user, slug=slug)
    if newsletter is None:
        raise Http404
    return newsletter


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Every list the person may see (public ones for visitors) with its latest issues and a way to subscribe."""
    newsletters = list(selectors.visible_newsletters(request.user))
    context = {
        "newsletters": newsletters,
        "can_publish": can_publish_newsletters(request.user),
        "crumbs": [(_("Newsletters"), None)],
        **_subscribe_context(newsletters),
    }
    return render(request, "newsletters/newsletter_list.html", context)


@require_safe
def archive(request: HttpRequest, newsletter_slug: str) -> HttpResponse:
    newsletter = _newsletter_or_404(request, newsletter_slug)
    page = Paginator(selectors.archive_issues(user=request.user, newsletter=newsletter), ISSUES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "newsletter": newsletter,
        "page_obj": page,
        "issues": page.object_list,
        "is_public": newsletter.audience == Audience.PUBLIC,
        "can_publish": can_publish_newsletters(request.user),
        "crumbs": [(_("Newsletters"), reverse("newsletters:index")), (newsletter.name, None)],
        **_subscribe_context([newsletter]),
    }
    return render(request, "newsletters/newsletter_archive.html", context)


@require_safe
def issue_detail(request: HttpRequest, newsletter_slug: str, issue_slug: str) -> HttpResponse:
    """The web version. Publishers may also open an unsent issue here (rendered now, marked as not sent)."""
    newsletter = _newsletter_or_404(request, newsletter_slug)
    issue = (
        Issue.objects.visible_to(request.user)
        .filter(newsletter=newsletter, slug=issue_slug)
        .select_related("newsletter")
        .first()
    )
    if issue is None:
        raise Http404
    problem = ""
    try:
        content = web_content(issue=issue)
    except BlockError as error:  # only an unsent draft renders now; its publisher sees why
        content, problem = "", str(error)
    context = {
        "newsletter": newsletter,
        "issue": issue,
        "content": content,
        "problem": problem,
        "is_sent": issue.status == Issue.Status.SENT,
        "can_publish": can_publish_newsletters(request.user),
        "crumbs": [
            (_("Newsletters"), reverse("newsletters:index")),
            (newsletter.name, newsletter.get_absolute_url()),
            (issue.subject, None),
        ],
        **_subscribe_context([newsletter]),
    }
    return render(request, "newsletters/issue_web.html", context)
