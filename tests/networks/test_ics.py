"""networks/ics.py: RFC 5545 escaping, folding, UTC times; the .ics views and calendar feeds."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from networks.ics import build_calendar, escape_text, fold_line
from networks.models import Network, Registration
from networks.services import events as event_services
from networks.views.events import calendar_token
from tests.networks.event_helpers import join, make_event, make_network, make_person


def unfold(text: str) -> str:
    return text.replace("\r\n ", "")


def test_escape_text_escapes_backslash_comma_semicolon_and_newlines():
    assert escape_text("a\\b, c; d\ne\r\nf") == "a\\\\b\\, c\\; d\\ne\\nf"


def test_fold_line_keeps_every_physical_line_within_75_octets_and_never_splits_a_character():
    line = "SUMMARY:" + "Tshivenḓa ŋ Khâi-Ma " * 20
    folded = fold_line(line)
    for physical in folded.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75
    assert unfold(folded) == line


@pytest.mark.django_db
def test_calendar_has_crlf_utc_times_uid_and_escaped_tricky_title():
    # Given an event with a tricky title, at 09:00 in Johannesburg (07:00 UTC)
    starts = datetime.datetime(2026, 3, 14, 7, 0, tzinfo=datetime.timezone.utc)
    event = make_event(
        title='Budget; "MFMA", s\\71 <script>alert(1)</script>\nNew line — Khâi-Ma ' + "x" * 80,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        online_url="https://meet.example.org/secret",
    )
    # When the calendar is built without the online link
    body = build_calendar([event])
    # Then the structure follows RFC 5545
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    assert "\n" not in body.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    lines = unfold(body).split("\r\n")
    assert "METHOD:PUBLISH" in lines
    assert "DTSTART:20260314T070000Z" in lines
    assert "DTEND:20260314T100000Z" in lines
    assert any(line.startswith("UID:event-%d@" % event.pk) for line in lines)
    assert any(line.startswith("DTSTAMP:") and line.endswith("Z") for line in lines)
    summary = next(line for line in lines if line.startswith("SUMMARY:"))
    assert summary.startswith('SUMMARY:Budget\\; "MFMA"\\, s\\\\71 <script>alert(1)</script>\\nNew line — Khâi-Ma')
    assert "meet.example.org/secret" not in body


@pytest.mark.django_db
def test_event_ics_download_includes_online_link_only_for_registered_person():
    event = make_event(online_url="https://meet.example.org/room-42")
    outsider, registered = make_person(), make_person()
    event_services.register(event=event, user=registered)
    client = Client()
    client.force_login(outsider)
    response = client.get(f"/events/{event.slug}/event.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "room-42" not in unfold(response.content.decode())
    client.force_login(registered)
    assert "room-42" in unfold(client.get(f"/events/{event.slug}/event.ics").content.decode())


@pytest.mark.django_db
def test_private_network_event_ics_and_feed_are_404_for_outsiders():
    network = make_network(visibility=Network.Visibility.MEMBERS)
    event = make_event(network=network, title="Closed-door meeting")
    client = Client()
    client.force_login(make_person())
    assert client.get(f"/events/{event.slug}/event.ics").status_code == 404
    assert client.get(f"/networks/{network.slug}/calendar.ics").status_code == 404
    assert Client().get(f"/networks/{network.slug}/calendar.ics").status_code == 404


@pytest.mark.django_db
def test_members_only_network_feed_works_with_member_token_without_cookies():
    network = make_network(visibility=Network.Visibility.MEMBERS)
    make_event(network=network, title="Members meeting")
    member, outsider = make_person(), make_person()
    join(network, member)
    response = Client().get(f"/networks/{network.slug}/calendar.ics?token={calendar_token(member)}")
    assert response.status_code == 200
    assert "Members meeting" in unfold(response.content.decode())
    assert Client().get(f"/networks/{network.slug}/calendar.ics?token={calendar_token(outsider)}").status_code == 404
    assert Client().get(f"/networks/{network.slug}/calendar.ics?token=1.forged").status_code == 404


@pytest.mark.django_db
def test_public_network_feed_lists_published_events_only():
    network = make_network()
    make_event(network=network, title="Open workshop")
    make_event(network=network, title="Draft workshop", is_published=False)
    body = unfold(Client().get(f"/networks/{network.slug}/calendar.ics").content.decode())
    assert "Open workshop" in body
    assert "Draft workshop" not in body


@pytest.mark.django_db
def test_personal_calendar_lists_registered_events_and_rejects_tampered_token():
    person = make_person()
    mine, other = make_event(title="Mine"), make_event(title="Not mine")
    event_services.register(event=mine, user=person)
    token = calendar_token(person)
    response = Client().get(f"/events/my-calendar/{token}.ics")
    body = unfold(response.content.decode())
    assert response.status_code == 200
    assert "SUMMARY:Mine" in body and "Not mine" not in body
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert Client().get(f"/events/my-calendar/{tampered}.ics").status_code == 404
    other_id = str(make_person().pk)
    forged = other_id + token[len(str(person.pk)):]
    assert Client().get(f"/events/my-calendar/{forged}.ics").status_code == 404


@pytest.mark.django_db
def test_personal_calendar_drops_events_of_a_network_the_person_left():
    network = make_network(visibility=Network.Visibility.MEMBERS)
    person = make_person()
    membership = join(network, person)
    event = make_event(network=network, title="Private session")
    event_services.register(event=event, user=person)
    membership.status = membership.Status.LEFT
    membership.save()
    body = unfold(Client().get(f"/events/my-calendar/{calendar_token(person)}.ics").content.decode())
    assert "Private session" not in body
    assert Registration.objects.filter(event=event, user=person).exists()
