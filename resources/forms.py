"""Forms of the resource centre's contribution and review pages: the upload form (metadata and files), the edit
form (optimistic locking through a hidden edit_version), a new file version, and a reviewer's decision.

Files are checked here (resources.validation: type by extension and bytes, size, zip bombs, markup, viruses) and by
SHA-256 against the library, so the services receive only acceptable files."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.forms import TagField

from hub.models import Language, Municipality, Organisation, Province
from resources.models import Resource, ResourceFile, Topic
from resources import permissions
from resources.permissions import can_publish_directly, can_review
from resources.services.files import find_duplicate
from resources.validation import (
    ACCEPT_ATTRIBUTE,
    CheckedFile,
    FileRejected,
    allowed_types_sentence,
    check_uploaded_file,
    max_upload_bytes,
    size_label,
)

MAX_FILES_PER_UPLOAD = 10
MAX_TAGS = 20
MAX_TAG_LENGTH = 50
MESSAGE_MAX_LENGTH = 5000


def clean_line(value: str) -> str:
    """One line of text: control and invisible format characters removed, runs of whitespace folded."""
    value = "".join(char for char in (value or "") if unicodedata.category(char) not in {"Cc", "Cf"} or char == " ")
    return " ".join(value.split())


def clean_multiline(value: str) -> str:
    """Text with paragraphs: like clean_line per line, keeping line breaks (and blank lines between paragraphs)."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = [
        "".join(char for char in line if unicodedata.category(char) not in {"Cc", "Cf"} or char in "\t")
        .rstrip()
        for line in value.split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class CheckedFilesField(forms.Field):
    """One or more uploaded files, each checked by resources.validation. Cleans to [(uploaded, CheckedFile)]."""

    widget = MultipleFileInput

    def __init__(self, *, max_files: int = MAX_FILES_PER_UPLOAD, link_may_replace: bool = False, **kwargs: Any) -> None:
        self.max_files = max_files
        self.link_may_replace = link_may_replace
        # Set by the form: CheckedFile -> an error message or None (used for duplicate detection, which needs the
        # user), so every problem with every file is reported at once.
        self.extra_check: Any = None
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ACCEPT_ATTRIBUTE)

    def to_python(self, data: Any) -> list[Any]:
        if not data:
            return []
        items = list(data) if isinstance(data, (list, tuple)) else [data]
        return [item for item in items if item]

    def validate(self, value: list[Any]) -> None:
        if self.required and not value and not self.link_may_replace:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def clean(self, data: Any) -> list[tuple[Any, CheckedFile]]:
        uploads = self.to_python(data)
        self.validate(uploads)
        if len(uploads) > self.max_files:
            raise forms.ValidationError(
                _("Upload at most %(count)s files at a time.") % {"count": self.max_files}, code="too_many"
            )
        accepted, errors = [], []
        seen: set[str] = set()
        for uploaded in uploads:
            try:
                checked = check_uploaded_file(uploaded)
            except FileRejected as error:
                errors.extend(error.messages)
                continue
            if checked.sha256 in seen:
                errors.append(_("The file %(name)s was chosen twice.") % {"name": checked.original_name})
                continue
            seen.add(checked.sha256)
            problem = self.extra_check(checked) if self.extra_check is not None else None
            if problem:
                errors.append(problem)
                continue
            accepted.append((uploaded, checked))
        if errors:
            raise forms.ValidationError(errors)
        return accepted


def duplicate_problem(form: Any, checked: CheckedFile) -> str | None:
    """The error for a file already in the library: with its title and address when the person may see it (and a
    link listed in form.duplicates), otherwise a neutral message that reveals nothing about the existing item."""
    duplicate = find_duplicate(sha256=checked.sha256, user=form.user)
    if duplicate is None:
        return None
    if duplicate.resource is not None:
        existing = duplicate.resource
        if existing.status == Resource.Status.PUBLISHED and permissions.can_view_resource(form.user, existing):
            url = existing.get_absolute_url()
        elif permissions.can_review(form.user):
            url = reverse("resources:review_detail", kwargs={"slug": existing.slug})
        else:  # the person's own item, not (or no longer) published
            url = reverse("resources:my_uploads")
        form.duplicates.append({"name": checked.original_name, "resource": existing, "url": url})
        return _("The file %(name)s is already here: “%(title)s”.") % {
            "name": checked.original_name, "title": existing.title,
        }
    return _(
        "The file %(name)s has already been uploaded to the hub, so it cannot be uploaded again. "
        "If you think this is a mistake, contact us."
    ) % {"name": checked.original_name}


def ordered_topics() -> Any:
    """Themes each followed by their sub-topics."""
    return Topic.objects.select_related("parent").order_by(
        Coalesce("parent__position", "position"),
        Coalesce("parent__name", "name"),
        F("parent").asc(nulls_first=True),
        "position",
        "name",
    )


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return f"{obj.parent.name} › {obj.name}" if obj.parent_id else obj.name


class ResourceMetadataForm(forms.ModelForm):
    """The metadata shared by the upload and edit forms. Reviewers also set review-by and "superseded by"."""

    title = forms.CharField(
        label=gettext_lazy("Title"), max_length=250, error_messages={"required": gettext_lazy("Enter a title.")}
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=500,
        error_messages={"required": gettext_lazy("Enter a summary.")},
        help_text=gettext_lazy("One or two sentences shown in search results. Up to 500 characters."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )
    body = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=20000,
        help_text=gettext_lazy(
            "What the resource covers and who it is for. You can use Markdown: **bold**, *italic*, "
            "[link text](https://…) and lists (lines starting with “- ”)."
        ),
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    resource_type = forms.ChoiceField(
        label=gettext_lazy("Type of resource"),
        choices=Resource.ResourceType.choices,
        error_messages={"required": gettext_lazy("Choose the type of resource.")},
    )
    topics = TopicChoiceField(
        label=gettext_lazy("Topics"),
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Choose the themes this resource is about."),
    )
    tags = TagField(
        label=gettext_lazy("Keywords"),
        required=False,
        help_text=gettext_lazy("Words people might search for, separated by commas. For example: indigent policy, tariffs"),
    )
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one language.")},
        help_text=gettext_lazy("The languages the resource is written in."),
    )
    is_national = forms.BooleanField(label=gettext_lazy("Relevant to municipalities across the country"), required=False)
    provinces = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Provinces"),
        queryset=Province.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave empty if it is not about particular provinces."),
    )
    municipalities = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Municipalities"),
        queryset=Municipality.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=gettext_lazy("Optional. Hold Ctrl (Cmd on a Mac) to choose more than one."),
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Contributing organisation"),
        queryset=Organisation.objects.order_by("kind", "name"),
        required=False,
    )
    author_names = forms.CharField(
        label=gettext_lazy("Authors"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Names of the people who wrote it, separated by commas."),
    )
    publication_date = forms.DateField(
        label=gettext_lazy("Publication date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("When it was published, if you know."),
    )
    licence = forms.ChoiceField(
        label=gettext_lazy("Licence"),
        choices=Resource.Licence.choices,
        error_messages={"required": gettext_lazy("Choose a licence.")},
        help_text=gettext_lazy("What others may do with it. Ask the author if you are not sure."),
    )
    external_url = forms.URLField(
        label=gettext_lazy("Link"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        help_text=gettext_lazy("For a video, a webinar recording or a resource kept on another website."),
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("Who can see it"),
        choices=[
            (Resource.Visibility.PUBLIC, gettext_lazy("Everyone (public)")),
            (Resource.Visibility.MEMBERS, gettext_lazy("Signed-in members only")),
            (Resource.Visibility.INTERNAL, gettext_lazy("SALGA staff only (internal)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose who can see it.")},
    )

    class Meta:
        model = Resource
        fields = [
            "title", "summary", "body", "resource_type", "topics", "tags", "languages", "is_national", "provinces",
            "municipalities", "organisation", "author_names", "publication_date", "licence", "external_url",
            "visibility",
        ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = ordered_topics()
        if can_review(user):
            self.fields["review_by"] = forms.DateField(
                label=_("Review by"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text=_("When staff should check that it is still current (for example after a law changes)."),
                initial=self.instance.review_by if self.instance.pk else None,
            )
            self.fields["superseded_by"] = forms.CharField(
                label=_("Replaced by"),
                required=False,
                max_length=300,
                help_text=_("The address (or slug) of a newer resource that replaces this one."),
                initial=self.instance.superseded_by.slug if self.instance.superseded_by_id else "",
            )

    def clean_title(self) -> str:
        title = clean_line(self.cleaned_data["title"])
        if not title:
            raise forms.ValidationError(_("Enter a title."), code="required")
        return title

    def clean_summary(self) -> str:
        summary = clean_line(self.cleaned_data["summary"])
        if not summary:
            raise forms.ValidationError(_("Enter a summary."), code="required")
        return summary

    def clean_body(self) -> str:
        return clean_multiline(self.cleaned_data["body"])

    def clean_author_names(self) -> str:
        return clean_line(self.cleaned_data["author_names"])

    def clean_external_url(self) -> str:
        url = self.cleaned_data["external_url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("Enter a web address starting with https://"), code="scheme")
        return url

    def clean_tags(self) -> list[str]:
        tags = [clean_line(tag) for tag in self.cleaned_data.get("tags") or []]
        tags = [tag for tag in tags if tag]
        if len(tags) > MAX_TAGS:
            raise forms.ValidationError(_("Use at most %(count)s keywords.") % {"count": MAX_TAGS})
        if any(len(tag) > MAX_TAG_LENGTH for tag in tags):
            raise forms.ValidationError(
                _("Each keyword can be at most %(count)s characters.") % {"count": MAX_TAG_LENGTH}
            )
        return tags

    def clean_superseded_by(self) -> Resource | None:
        value = (self.cleaned_data.get("superseded_by") or "").strip()
        if not value:
            return None
        slug = value.rstrip("/").rsplit("/", 1)[-1]
        target = Resource.objects.filter(slug=slug).exclude(pk=self.instance.pk).first()
        if target is None:
            raise forms.ValidationError(_("There is no resource at that address."), code="not_found")
        return target

    def service_data(self) -> dict[str, Any]:
        """Cleaned data in the shape the publishing services take."""
        data = {
            key: value
            for key, value in self.cleaned_data.items()
            if key not in {"files", "cover_image", "remove_cover", "publish_now", "edit_version"}
        }
        return data


class CoverImageForm(forms.Form):
    """The optional cover image field, shared by the upload and edit forms (checked by its bytes)."""

    cover_image = forms.FileField(
        label=gettext_lazy("Cover image"),
        required=False,
        help_text=gettext_lazy("A PNG or JPEG picture shown on the resource's page and beside it in lists."),
        widget=forms.FileInput(attrs={"accept": ".png,.jpg,.jpeg"}),
    )

    def clean_cover_image(self) -> Any:
        image = self.cleaned_data.get("cover_image")
        if not image:
            return None
        try:
            checked = check_uploaded_file(image)
        except FileRejected as error:
            raise forms.ValidationError(error.messages) from error
        if checked.kind.family != "image":
            raise forms.ValidationError(_("The cover image must be a PNG or JPEG image."), code="cover_type")
        return image


class ResourceUploadForm(ResourceMetadataForm, CoverImageForm):
    # Shown as required (a link alone is the exception, checked in clean()).
    files = CheckedFilesField(label=gettext_lazy("Files"), required=True, help_text="", link_may_replace=True)

    field_order = ["title", "summary", "files"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.duplicates: list[dict[str, Any]] = []
        self.fields["files"].extra_check = self._duplicate_problem
        self.fields["files"].help_text = _(
            "One or more files: %(types)s. Up to %(limit)s each. Choose several at once to upload them together."
        ) % {"types": allowed_types_sentence(), "limit": size_label(max_upload_bytes())}
        if not self.is_bound:
            profile = getattr(user, "profile", None)
            if profile is not None and profile.organisation_id:
                self.fields["organisation"].initial = profile.organisation_id
            self.fields["languages"].initial = ["en"]
            self.fields["visibility"].initial = Resource.Visibility.PUBLIC
            self.fields["licence"].initial = Resource.Licence.CC_BY
        if can_publish_directly(user):
            self.fields["publish_now"] = forms.BooleanField(
                label=_("Publish now, without review"),
                required=False,
                help_text=_("As SALGA staff you may publish your own resources directly."),
            )

    def _duplicate_problem(self, checked: CheckedFile) -> str | None:
        return duplicate_problem(self, checked)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors.get("files") and not cleaned.get("files") and not cleaned.get("external_url"):
            self.add_error("files", _("Choose at least one file to upload, or give a link in “Link”."))
        return cleaned


class ResourceEditForm(ResourceMetadataForm, CoverImageForm):
    edit_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    remove_cover = forms.BooleanField(label=gettext_lazy("Remove the cover image"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not self.is_bound:
            self.fields["edit_version"].initial = self.instance.edit_version
        if self.instance.cover_image:
            self.fields["cover_image"].label = _("Replace the cover image")
        else:
            del self.fields["remove_cover"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("remove_cover") and cleaned.get("cover_image"):
            self.add_error("remove_cover", _("Either choose a new cover image or remove the cover, not both."))
        return cleaned


class FileVersionForm(forms.Form):
    """A new version of one of the resource's files, or an extra file."""

    NEW_FILE = "new"

    target = forms.ChoiceField(
        label=gettext_lazy("Which file is this?"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose which file this is.")},
    )
    file = CheckedFilesField(label=gettext_lazy("File"), max_files=1, widget=forms.FileInput)
    title = forms.CharField(
        label=gettext_lazy("Title of the new file"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Only for an extra file. For example: Budget template (Excel)."),
    )
    change_note = forms.CharField(
        label=gettext_lazy("What changed"),
        required=False,
        max_length=500,
        help_text=gettext_lazy(
            "Needed for a new version; shown in the version history. For example: Updated for the 2025/26 budget year."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )

    def __init__(self, *args: Any, resource: Resource, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resource = resource
        self.user = user
        self.duplicates: list[dict[str, Any]] = []
        self.slots = list(resource.files.select_related("latest_version"))
        self.fields["file"].extra_check = lambda checked: duplicate_problem(self, checked)
        choices = [
            (str(slot.pk), _("A new version of “%(title)s”") % {"title": slot.title}) for slot in self.slots
        ]
        choices.append((self.NEW_FILE, _("An extra file for this resource")))
        self.fields["target"].choices = choices
        if len(self.slots) == 1 and not self.is_bound:
            self.fields["target"].initial = str(self.slots[0].pk)
        self.fields["file"].widget.attrs["accept"] = ACCEPT_ATTRIBUTE
        self.fields["file"].help_text = _("%(types)s, up to %(limit)s.") % {
            "types": allowed_types_sentence(),
            "limit": size_label(max_upload_bytes()),
        }

    def clean_title(self) -> str:
        return clean_line(self.cleaned_data["title"])

    def clean_change_note(self) -> str:
        return clean_line(self.cleaned_data["change_note"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        target = cleaned.get("target")
        if target and target != self.NEW_FILE and not cleaned.get("change_note"):
            self.add_error("change_note", _("Say briefly what changed in this version."))
        return cleaned

    def resource_file(self) -> ResourceFile | None:
        target = self.cleaned_data["target"]
        if target == self.NEW_FILE:
            return None
        return next(slot for slot in self.slots if str(slot.pk) == target)


class ReviewDecisionForm(forms.Form):
    PUBLISH = "publish"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"

    decision = forms.ChoiceField(
        label=gettext_lazy("Your decision"),
        widget=forms.RadioSelect,
        choices=[
            (PUBLISH, gettext_lazy("Publish it")),
            (REQUEST_CHANGES, gettext_lazy("Ask the uploader for changes")),
            (REJECT, gettext_lazy("Reject it")),
        ],
        error_messages={"required": gettext_lazy("Choose whether to publish it, ask for changes or reject it.")},
    )
    message = forms.CharField(
        label=gettext_lazy("Message to the uploader"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        help_text=gettext_lazy("Needed when you ask for changes or reject: say what to change, or why. It is emailed."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    edit_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean_message(self) -> str:
        return clean_multiline(self.cleaned_data["message"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision == self.REQUEST_CHANGES and not cleaned.get("message"):
            self.add_error("message", _("Say what the uploader should change."))
        if decision == self.REJECT and not cleaned.get("message"):
            self.add_error("message", _("Give the reason for rejecting it."))
        return cleaned


class ResubmitForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Note for the reviewer"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_message(self) -> str:
        return clean_multiline(self.cleaned_data["message"])
