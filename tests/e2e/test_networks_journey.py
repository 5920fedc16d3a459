"""The peer-learning journey in a real browser (issue 4), every step by clicking as a person would.

Forum: an official asks to join a network that needs approval, its coordinator approves, the official asks a
question, another member answers, the official accepts the answer, and the coordinator turns the discussion into a
draft resource. Events: the official registers for a full-but-one event, downloads its .ics file, cancels, and the
first person on the waiting list is promoted and emailed.

Screenshots of each step are saved at phone (390x844) and desktop width in the screenshot folder
($HUB_SCREENSHOT_DIR, else var/screenshots)."""

from __future__ import annotations

from datetime import timedelta
from datetime import timezone as dt_timezone
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from networks.models import Event, ForumTopic, Membership, Network, Notification, Post, Registration
from networks.services import events as event_services
from resources.models import Resource
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.factories import make_user_with_role
from tests.networks.factories import NetworkFactory, make_coordinator, make_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUESTION_TITLE = "How did you bring down overtime costs in water services?"
QUESTION = "Our overtime bill for standby crews doubled this year. What worked for you?"
ANSWER = "We moved standby to a roster agreed with the union and paid a flat standby allowance. Overtime fell by 40%."
EVENT_TITLE = "Water services benchmarking workshop"


def shoot(page: Any, folder: Path, name: str) -> None:
    """Save the page at phone and at desktop width (full length), then give it back its own width."""
    own = page.viewport_size
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"networks-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(own)


def submit(page: Any, button: Any) -> None:
    """Click a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()


def browser_for(new_context: Any, live_server: Any, user: Any, **options: Any) -> Any:
    context = new_context(**options)
    sign_in(context, live_server, user)
    return context.new_page()


def emails_to(address: str) -> list[Any]:
    return [message for message in mail.outbox if address in message.to]


def test_join_ask_answer_accept_and_turn_the_discussion_into_a_draft_resource(
    new_context, live_server, screenshot_dir
):
    # Given a public network that takes members by approval, its coordinator, and a member who knows the answer
    network = NetworkFactory(name="Water Services Learning Network", slug="water-services",
                             description="Water services managers learning from each other.",
                             visibility=Network.Visibility.PUBLIC, join_policy=Network.JoinPolicy.APPROVAL)
    coordinator = make_coordinator(network, user=make_user_with_role(
        "member", full_name="Thabo Mokoena", email="thabo@example.org"))
    expert = make_member(network, user=make_user_with_role(
        "municipal_official", full_name="Zanele Nkosi", email="zanele@example.org"))
    official = make_user_with_role("municipal_official", full_name="Andile Mabaso", email="andile@example.org")

    # When the official, on a phone, asks to join
    asker = browser_for(new_context, live_server, official, viewport=PHONE)
    asker.goto("/networks/")
    asker.get_by_role("link", name="Water Services Learning Network").click()
    asker.get_by_role("link", name="Ask to join").click()
    asker.get_by_label("Message to the coordinators (optional)").fill("I manage water services in a district.")
    shoot(asker, screenshot_dir, "join-form")
    submit(asker, asker.locator("main").get_by_role("button", name="Ask to join"))

    # Then they are told a coordinator will decide, and the coordinator is emailed
    assert asker.get_by_text("Your request was sent to the coordinators").is_visible()
    assert asker.get_by_text("You asked to join").is_visible()
    assert Membership.objects.get(network=network, user=official).status == Membership.Status.PENDING
    assert any("Andile Mabaso asks to join" in message.subject for message in emails_to(coordinator.email))

    # When the coordinator approves the request from their dashboard
    coordinating = browser_for(new_context, live_server, coordinator)
    coordinating.goto("/networks/water-services/")
    coordinating.get_by_role("link", name="Coordinator dashboard").click()
    assert coordinating.get_by_role("heading", name="Pending join requests").is_visible()
    shoot(coordinating, screenshot_dir, "dashboard")
    coordinating.get_by_role("link", name="Decide on requests").click()
    shoot(coordinating, screenshot_dir, "join-requests")
    submit(coordinating, coordinating.get_by_role("button", name="Approve Andile Mabaso"))

    # Then the official is a member and is emailed the decision
    assert coordinating.get_by_text("Decision recorded for Andile Mabaso").is_visible()
    assert Membership.objects.get(network=network, user=official).status == Membership.Status.ACTIVE
    assert any("approved" in message.body for message in emails_to(official.email))

    # When the official asks a question in the forum
    asker.goto("/networks/water-services/")
    asker.get_by_role("link", name="Forum", exact=True).click()
    asker.get_by_role("link", name="Start a discussion").click()
    asker.get_by_label("Title").fill(QUESTION_TITLE)
    asker.get_by_label("Your question or post").fill(QUESTION)
    submit(asker, asker.locator("main").get_by_role("button", name="Post", exact=True))
    assert asker.get_by_role("heading", level=1, name=QUESTION_TITLE).is_visible()
    topic = ForumTopic.objects.get(title=QUESTION_TITLE)

    # And another member answers it
    answering = browser_for(new_context, live_server, expert)
    answering.goto("/networks/water-services/forum/")
    answering.get_by_role("link", name=QUESTION_TITLE).click()
    answering.get_by_label("Your reply").fill(ANSWER)
    submit(answering, answering.get_by_role("button", name="Post reply"))
    answer = Post.objects.get(topic=topic, author=expert)

    # And the official accepts the answer
    asker.reload()
    submit(asker, asker.get_by_role("button", name="Accept this answer"))

    # Then the accepted answer is shown first, counted beside its author, and its author is notified
    assert asker.get_by_text("The answer was accepted.").is_visible()
    accepted = asker.locator(f"#accepted-{answer.pk}")
    assert accepted.is_visible() and ANSWER in accepted.inner_text()
    assert "(1 accepted answer)" in accepted.inner_text()
    assert Notification.objects.filter(user=expert, kind=Notification.Kind.ACCEPTED, post=answer).exists()
    shoot(asker, screenshot_dir, "topic-accepted")

    # When the coordinator turns the discussion into a draft resource
    coordinating.goto(topic.get_absolute_url())
    submit(coordinating, coordinating.get_by_role("button", name="Turn into a draft resource"))

    # Then a draft resource holds the question and the answer, credits both authors and links back
    topic.refresh_from_db()
    resource = Resource.objects.get(pk=topic.knowledge_resource_id)
    assert resource.status == Resource.Status.DRAFT
    assert QUESTION in resource.body and ANSWER in resource.body
    assert "Andile Mabaso" in resource.body and "Zanele Nkosi" in resource.body
    assert topic.get_absolute_url() in resource.body
    assert f"/resources/{resource.slug}/edit/" in coordinating.url
    assert coordinating.get_by_text("A draft resource was created").is_visible()
    shoot(coordinating, screenshot_dir, "draft-resource")


def test_members_only_network_is_found_on_a_phone_asked_to_join_and_opens_once_approved(
    new_context, live_server, screenshot_dir
):
    # Given a members-only network that takes members by approval, with a discussion, and an official outside it
    network = NetworkFactory(name="SA Cities Network knowledge reference group", slug="sacn-krg",
                             description="Knowledge managers of the metros compare what they learn.",
                             purpose_html="<p>Build knowledge management practice in the metros.</p>",
                             visibility=Network.Visibility.MEMBERS, join_policy=Network.JoinPolicy.APPROVAL)
    coordinator = make_coordinator(network, user=make_user_with_role(
        "member", full_name="Nomvula Dlamini", email="nomvula@example.org"))
    topic = ForumTopic.objects.create(network=network, title=QUESTION_TITLE, slug="overtime", author=coordinator)
    Post.objects.create(topic=topic, author=coordinator, body=QUESTION, body_html=f"<p>{QUESTION}</p>")
    official = make_user_with_role("municipal_official", full_name="Fatima Patel", email="fatima@example.org")

    # When the official, on a phone, finds it in the network list and opens it
    asker = browser_for(new_context, live_server, official, viewport=PHONE)
    asker.goto("/networks/")
    shoot(asker, screenshot_dir, "members-only-list")
    submit(asker, asker.get_by_role("link", name=network.name))

    # Then its landing page says what it is and offers the "Ask to join" form, and shows nothing of its forum
    assert asker.get_by_role("heading", level=1, name=network.name).is_visible()
    assert asker.get_by_text("Build knowledge management practice in the metros.").is_visible()
    assert asker.get_by_text(QUESTION_TITLE).count() == 0 and asker.get_by_text(QUESTION).count() == 0
    assert asker.get_by_role("link", name="Forum", exact=True).count() == 0
    asker.get_by_label("Message to the coordinators").fill("I run knowledge management in Tshwane.")
    shoot(asker, screenshot_dir, "members-only-landing")

    # When they ask to join
    submit(asker, asker.locator("main").get_by_role("button", name="Ask to join"))

    # Then the request waits for the coordinator, and the forum is still closed to them
    assert asker.get_by_text("Your request was sent to the coordinators").is_visible()
    assert Membership.objects.get(network=network, user=official).status == Membership.Status.PENDING
    shoot(asker, screenshot_dir, "members-only-asked")
    assert asker.goto("/networks/sacn-krg/forum/").status == 404

    # When the coordinator approves the request
    coordinating = browser_for(new_context, live_server, coordinator)
    coordinating.goto("/networks/sacn-krg/members/requests/")
    submit(coordinating, coordinating.get_by_role("button", name="Approve Fatima Patel"))

    # Then the official sees the network's page with its discussions, and its forum
    asker.goto("/networks/sacn-krg/")
    assert asker.get_by_role("link", name=QUESTION_TITLE).is_visible()
    submit(asker, asker.get_by_role("link", name="Forum", exact=True))
    assert asker.url.endswith("/networks/sacn-krg/forum/")
    assert asker.get_by_role("link", name=QUESTION_TITLE).is_visible()


def test_register_download_the_calendar_file_cancel_and_the_first_waiting_person_is_promoted(
    new_context, live_server, screenshot_dir
):
    # Given a network event with one place, and an official who is a member of the network
    network = NetworkFactory(name="District Learning Network", slug="district-learning")
    official = make_member(network, user=make_user_with_role(
        "municipal_official", full_name="Andile Mabaso", email="andile@example.org"))
    first_waiting = make_member(network, user=make_user_with_role(
        "municipal_official", full_name="Precious Molefe", email="precious@example.org"))
    second_waiting = make_member(network, user=make_user_with_role(
        "municipal_official", full_name="Johan Botha", email="johan@example.org"))
    starts = (timezone.now() + timedelta(days=12)).replace(hour=7, minute=0, second=0, microsecond=0)
    event = Event.objects.create(
        network=network, title=EVENT_TITLE, slug="water-benchmarking", event_type=Event.EventType.WORKSHOP,
        starts_at=starts, ends_at=starts + timedelta(hours=6), venue="Birchwood Conference Centre, Boksburg",
        capacity=1, description="Compare costs per kilolitre.", description_html="<p>Compare costs per kilolitre.</p>",
    )

    # When the official registers (taking the only place)
    attending = browser_for(new_context, live_server, official, accept_downloads=True)
    attending.goto("/events/")
    attending.get_by_role("link", name=EVENT_TITLE).click()
    submit(attending, attending.get_by_role("button", name="Register"))
    assert attending.get_by_text("You are registered", exact=True).is_visible()

    # And two others, on phones, join the waiting list in turn
    waiting_page = browser_for(new_context, live_server, first_waiting, viewport=PHONE)
    waiting_page.goto(event.get_absolute_url())
    submit(waiting_page, waiting_page.get_by_role("button", name="Join the waiting list"))
    assert waiting_page.get_by_text("You are number 1 on the waiting list").is_visible()
    shoot(waiting_page, screenshot_dir, "event-waiting")
    event_services.register(event=event, user=second_waiting)
    mail.outbox.clear()

    # And the official downloads the calendar file
    with attending.expect_download() as download_info:
        attending.get_by_role("link", name="Add to my calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename == "water-benchmarking.ics"
    calendar = Path(download.path()).read_bytes().decode("utf-8")  # as sent: RFC 5545 lines end in CRLF

    # Then it is a calendar holding the event, its summary and its start in UTC
    lines = calendar.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lines
    assert "BEGIN:VEVENT" in lines
    assert f"SUMMARY:{EVENT_TITLE}" in lines
    assert f"DTSTART:{starts.astimezone(dt_timezone.utc):%Y%m%dT%H%M%SZ}" in lines
    shoot(attending, screenshot_dir, "event-registered")

    # When the official cancels
    submit(attending, attending.get_by_role("button", name="Cancel my registration"))
    assert attending.get_by_text("Your registration is cancelled.").is_visible()

    # Then the first person waiting has the place and is emailed; the second still waits
    statuses = dict(Registration.objects.filter(event=event).values_list("user__email", "status"))
    assert statuses == {
        "andile@example.org": Registration.Status.CANCELLED,
        "precious@example.org": Registration.Status.REGISTERED,
        "johan@example.org": Registration.Status.WAITLISTED,
    }
    promoted = emails_to("precious@example.org")
    assert [message.subject for message in promoted] == [
        f"A place opened up – you are now registered: {EVENT_TITLE}"]
    assert event.get_absolute_url() in promoted[0].body
    assert emails_to("johan@example.org") == []
    # And the promoted person's page says so
    waiting_page.reload()
    assert waiting_page.get_by_text("You are registered", exact=True).is_visible()
    shoot(waiting_page, screenshot_dir, "event-promoted")
