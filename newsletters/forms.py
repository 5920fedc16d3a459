"""Forms of the publishing pages: a list's details, an issue with its audience narrowing, test addresses and a
schedule. They reject bad input with a message per field; the services then assume it is valid (and still refuse
header injection)."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models import Function, Language, Municipality, Province
from networks.models import Network
from newsletters.blocks import block_errors
from newsletters.models import Audience, Issue, Newsletter
from newsletters.services.audience import FILTER_KEYS
from newsletters.validators import validate_header_text

JOHANNESBURG = zoneinfo.ZoneInfo("Africa/Johannesburg")
MAX_TEST_ADDRESSES = 10


class NewsletterForm(forms.ModelForm):
    class Meta:
        model = Newsletter
        fields = [
            "name", "slug", "description", "audience", "network", "language", "sender_name", "sender_email",
            "reply_to", "physical_address", "contact_details", "consent_wording", "is_active",
        ]
        widgets = {
            "audience": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "consent_wording": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "slug": _("Lower-case letters, numbers and hyphens: /newsletters/<this>/."),
            "sender_name": _("The name people see as the sender, such as “SALGA Knowledge Hub”."),
            "physical_address": _("POPIA and the mailbox providers require a postal address in every footer."),
        }
        # The error summary lists these messages alone, so each says which answer is missing.
        error_messages = {
            "name": {"required": _("Enter the newsletter's name.")},
            "slug": {"required": _("Enter a web address.")},
            "description": {"required": _("Enter a description.")},
            "sender_name": {"required": _("Enter the sender name.")},
            "sender_email": {"required": _("Enter the sender address.")},
            "physical_address": {"required": _("Enter the postal address shown in every footer.")},
            "contact_details": {"required": _("Enter the contact shown in every footer.")},
            "consent_wording": {"required": _("Enter the consent wording shown at sign-up.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["network"].queryset = Network.objects.active().order_by("name")
        self.fields["network"].help_text = _("Only for a network members' newsletter.")
        for name in ("name", "sender_name", "sender_email", "reply_to"):
            self.fields[name].validators.append(validate_header_text)

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        # /newsletters/<slug>/ and /newsletters/<slug>/<issue>/ must reach this list's archive and issues, not
        # another page of the newsletters (my/, confirm/<token>/, manage/...).
        for name, args in (("archive", [slug]), ("issue", [slug, "an-issue"]), ("feed", [slug])):
            try:
                match = resolve(reverse(f"newsletters:{name}", args=args))
            except (NoReverseMatch, Resolver404):
                match = None
            if match is None or match.url_name != name:
                break
        else:
            return slug
        raise ValidationError(_("“%(slug)s” is a reserved word here; choose another web address.") % {"slug": slug})

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        audience, network = cleaned.get("audience"), cleaned.get("network")
        if audience == Audience.NETWORK_MEMBERS and network is None:
            self.add_error("network", _("Choose the network whose members receive this newsletter."))
        elif audience and audience != Audience.NETWORK_MEMBERS and network is not None:
            self.add_error("network", _("Leave the network empty unless the audience is a network's members."))
        return cleaned

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class IssueForm(forms.Form):
    """An issue's content and who among the list's subscribers receives it."""

    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[validate_header_text],
                              error_messages={"required": _("Enter a subject.")})
    preheader = forms.CharField(
        label=_("Preheader"), max_length=200, required=False, validators=[validate_header_text],
        help_text=_("The line mail apps show after the subject. Say what is inside."),
    )
    body = forms.CharField(
        label=_("Body"), required=False, widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text=_(
            "Markdown: ## for a heading, **bold**, [text](https://link), - for a list. Hub content on a line of its "
            "own: {{ resource: its-web-address }}, {{ events: 3 }}, {{ discussions: network-web-address 3 }}."
        ),
    )
    provinces = forms.ModelMultipleChoiceField(
        label=_("Provinces"), queryset=Province.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(
        label=_("Municipality categories"), choices=Municipality.Category.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=_("Municipalities"), queryset=Municipality.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
    )
    functions = forms.MultipleChoiceField(
        label=_("Functions"), choices=Function.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    networks = forms.ModelMultipleChoiceField(
        label=_("Members of these networks"), queryset=Network.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Preferred languages"), choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.newsletter = newsletter
        self.fields["provinces"].queryset = Province.objects.order_by("name")
        self.fields["municipalities"].queryset = Municipality.objects.order_by("name")
        self.fields["networks"].queryset = Network.objects.active().order_by("name")

    @classmethod
    def initial_for(cls, issue: Issue) -> dict[str, Any]:
        initial: dict[str, Any] = {"subject": issue.subject, "preheader": issue.preheader, "body": issue.body}
        initial.update({key: (issue.audience_filter or {}).get(key, []) for key in FILTER_KEYS})
        return initial

    def clean_body(self) -> str:
        body = self.cleaned_data.get("body") or ""
        problems = block_errors(newsletter=self.newsletter, body=body)
        if problems:
            raise ValidationError(problems)
        return body

    def audience_filter(self) -> dict[str, list]:
        data = self.cleaned_data
        result: dict[str, list] = {}
        for key in ("provinces", "municipalities", "networks"):
            if data.get(key):
                result[key] = sorted(item.pk for item in data[key])
        for key in ("categories", "functions", "languages"):
            if data.get(key):
                result[key] = sorted(data[key])
        return result

    def content(self) -> dict[str, Any]:
        return {
            "subject": self.cleaned_data["subject"],
            "preheader": self.cleaned_data["preheader"],
            "body": self.cleaned_data["body"],
            "audience_filter": self.audience_filter(),
        }


class AudienceForm(IssueForm):
    """Only the audience fields: the live recipient count reads them without requiring a subject."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("subject", "preheader", "body"):
            del self.fields[name]


def split_addresses(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[\s,;]+", raw or "") if part.strip()]


class SendTestForm(forms.Form):
    addresses = forms.CharField(
        label=_("Send a test to"), widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "email"}),
        error_messages={"required": _("Enter at least one email address.")},
        help_text=_("Up to %(most)d email addresses, separated by commas or on separate lines.")
        % {"most": MAX_TEST_ADDRESSES},
    )

    def clean_addresses(self) -> list[str]:
        addresses = split_addresses(self.cleaned_data["addresses"])
        if not addresses:
            raise ValidationError(_("Enter at least one email address."))
        if len(addresses) > MAX_TEST_ADDRESSES:
            raise ValidationError(
                _("Enter at most %(most)d addresses for a test.") % {"most": MAX_TEST_ADDRESSES}
            )
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                _("These are not email addresses: %(bad)s. Write them like name@example.org.") % {"bad": ", ".join(bad)}
            )
        return list(dict.fromkeys(address.lower() for address in addresses))


class ScheduleForm(forms.Form):
    """A date and time in South African time (Africa/Johannesburg), in the future."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}),
                           help_text=_("For example 2025-06-30."))
    time = forms.TimeField(label=_("Time (South African time)"), widget=forms.TimeInput(attrs={"type": "time"}),
                           help_text=_("24-hour clock, for example 08:30."))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("date") and cleaned.get("time"):
            when = datetime.datetime.combine(cleaned["date"], cleaned["time"], tzinfo=JOHANNESBURG)
            if when <= timezone.now() + datetime.timedelta(minutes=1):
                self.add_error("time", _("Choose a time in the future."))
            cleaned["when"] = when
        return cleaned
