"""Forms of the management pages (roles, verification decisions, audit-log filters) and of the account's
data-rights pages (verification request, account deletion)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from hub.models import AuditEntry
from hub.roles import GROUP_ROLES, Role
from hub.services.verification import NOTE_MAX_LENGTH, REASON_MAX_LENGTH

ROLE_LABELS = dict(Role.choices)
GROUP_ROLE_CHOICES = [(role, ROLE_LABELS[role]) for role in GROUP_ROLES]


def _clean_text(value: str) -> str:
    """Trim, and fold runs of spaces (keeping line breaks between paragraphs)."""
    lines = [" ".join(line.split()) for line in value.strip().splitlines()]
    return "\n".join(lines).strip()


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=GROUP_ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every role this person should have. Untick a role to remove it."),
    )


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Name or email"), required=False, max_length=200)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", _("Any role")), *GROUP_ROLE_CHOICES, ("municipal_official", _("Municipal official"))],
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


class VerificationRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Anything that helps SALGA confirm your role"),
        help_text=_(
            "For example your department and a colleague or manager SALGA may contact. Up to 500 characters."
        ),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTE_MAX_LENGTH}),
    )

    def clean_note(self) -> str:
        return _clean_text(self.cleaned_data["note"])


class VerificationDecisionForm(forms.Form):
    APPROVE = "approve"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=[
            (APPROVE, _("Approve: this person works for this municipality")),
            (REJECT, _("Reject: I could not confirm it")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose approve or reject.")},
    )
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        help_text=_(
            "Needed when you reject. It is emailed to the person, so write it to them. Up to 500 characters."
        ),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": REASON_MAX_LENGTH}),
    )

    def clean_reason(self) -> str:
        return _clean_text(self.cleaned_data["reason"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == self.REJECT and not cleaned.get("reason"):
            self.add_error("reason", _("Enter the reason for rejecting; the person will see it."))
        return cleaned


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your current password"),
        help_text=_("To confirm that it is you."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your current password.")},
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not right. Enter your current password."))
        return password


class AuditEntryFilter(django_filters.FilterSet):
    """Filters of the audit log: who (name or email), which action, which kind of object, and a date range
    (dates are South African)."""

    actor = django_filters.CharFilter(
        label=_("Who (name or email)"), field_name="actor_label", lookup_expr="icontains", max_length=200
    )
    action = django_filters.ChoiceFilter(label=_("Action"), empty_label=_("Any action"))
    target_type = django_filters.ChoiceFilter(label=_("Object type"), empty_label=_("Any type"))
    date_from = django_filters.DateFilter(
        label=_("From (date)"),
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("To (date)"),
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        self.filters["action"].extra["choices"] = [(action, action) for action in actions]
        type_ids = AuditEntry.objects.exclude(target_type=None).values("target_type").distinct()
        self.filters["target_type"].extra["choices"] = [
            (str(content_type.pk), str(content_type.name).capitalize())
            for content_type in ContentType.objects.filter(pk__in=type_ids).order_by("model")
        ]
