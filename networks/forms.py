"""Forms for the network forums and their moderation (other areas keep theirs in networks/forms_<area>.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from networks.models import Flag, Network


class TopicForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=200,
        error_messages={"required": _("Enter a title."), "max_length": _("The title must be 200 characters or fewer.")},
        help_text=_("A short question or subject, up to 200 characters."),
    )
    body = forms.CharField(
        label=_("Your question or post"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Enter your question or post."),
                        "max_length": _("The post must be 20,000 characters or fewer.")},
        help_text=_("Markdown: **bold**, *italic*, lists, [links](https://…). Mention a member with @Name_Surname."),
    )

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your reply."),
                        "max_length": _("The reply must be 20,000 characters or fewer.")},
        help_text=_("Markdown. Mention a member with @Name_Surname."),
    )
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Enter the text of the post."),
                        "max_length": _("The post must be 20,000 characters or fewer.")},
    )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you reporting this post?"), choices=Flag.Reason.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    details = forms.CharField(label=_("Anything the coordinators should know"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class TopicManageForm(forms.Form):
    ACTIONS = [("pin", _("Pin")), ("unpin", _("Unpin")), ("lock", _("Lock")), ("unlock", _("Unlock")), ("move", _("Move"))]
    action = forms.ChoiceField(choices=ACTIONS)
    target = forms.ModelChoiceField(queryset=Network.objects.none(), required=False, label=_("Move to network"),
                                    empty_label=_("Choose a network"))

    def __init__(self, *args: Any, networks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if networks is not None:
            self.fields["target"].queryset = networks

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "move" and not data.get("target"):
            self.add_error("target", _("Choose the network to move the discussion to."))
        return data


class ModerationActionForm(forms.Form):
    ACTIONS = [("hide", _("Hide")), ("restore", _("Restore")), ("approve", _("Approve")), ("warn", _("Warn")),
               ("remove_member", _("Remove member"))]
    action = forms.ChoiceField(choices=ACTIONS, error_messages={"invalid_choice": _("Choose an action.")})
    note = forms.CharField(label=_("Message or note"), max_length=1000, required=False)


class ForumSearchForm(forms.Form):
    q = forms.CharField(label=_("Search this forum"), max_length=200, required=False)
