"""Forms of the notification settings: one frequency per network the person belongs to and per watched topic."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from networks.models import EmailFrequency, ForumTopic, Network


class NotificationSettingsForm(forms.Form):
    """Fields `network_<id>` and `topic_<id>`, each a choice of EmailFrequency; topics also offer "stop watching"."""

    UNWATCH = "unwatch"

    def __init__(
        self,
        *args: Any,
        networks: list[tuple[Network, str]],
        topics: list[tuple[ForumTopic, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.networks = networks
        self.topics = topics
        for network, frequency in networks:
            self.fields[f"network_{network.pk}"] = forms.ChoiceField(
                label=network.name, choices=EmailFrequency.choices, initial=frequency,
                help_text=_("New discussions in this network (\u201ceach post\u201d also covers every reply)."),
            )
        for topic, frequency in topics:
            self.fields[f"topic_{topic.pk}"] = forms.ChoiceField(
                label=topic.title,
                choices=[*EmailFrequency.choices, (self.UNWATCH, _("Stop watching this discussion"))],
                initial=frequency,
                help_text=_("Replies in %(network)s") % {"network": topic.network.name},
            )

    def network_fields(self) -> list[Any]:
        return [self[f"network_{network.pk}"] for network, _f in self.networks]

    def topic_fields(self) -> list[Any]:
        return [self[f"topic_{topic.pk}"] for topic, _f in self.topics]


class TopicWatchForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Email me"),
        choices=[*EmailFrequency.choices, (NotificationSettingsForm.UNWATCH, _("Stop watching"))],
    )
