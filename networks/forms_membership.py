"""Forms for joining, inviting and managing members."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the coordinators"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the person to invite"), max_length=254)


class DecisionForm(forms.Form):
    membership_id = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    note = forms.CharField(required=False, max_length=1000)


class ManageForm(forms.Form):
    action = forms.ChoiceField(choices=[
        ("remove", _("Remove from the network")), ("ban", _("Remove and ban")),
        ("make_coordinator", _("Make coordinator")), ("make_member", _("Make ordinary member")),
    ])
    note = forms.CharField(label=_("Note (kept in the audit log)"), required=False, max_length=1000)
