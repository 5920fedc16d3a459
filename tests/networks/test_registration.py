"""Registration with a waiting list: capacity, deadline, double registration, cancelling twice, promotion,
the last seat taken by two people at once, reminders."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from networks.models import Event, Registration
from networks.services import events as event_services
from tests.networks.event_helpers import make_event, make_person

pytestmark = pytest.mark.django_db


def status_of(event, user) -> str | None:
    registration = Registration.objects.filter(event=event, user=user).first()
    return registration.status if registration else None


def test_register_then_register_again_is_harmless(django_capture_on_commit_callbacks):
    event = make_event(capacity=10)
    person = make_person()
    with django_capture_on_commit_callbacks(execute=True):
        first = event_services.register(event=event, user=person)
    with django_capture_on_commit_callbacks(execute=True):
        second = event_services.register(event=event, user=person)
    assert first.changed and not second.changed
    assert first.registration.pk == second.registration.pk
    assert Registration.objects.filter(event=event).count() == 1
    assert len(mail.outbox) == 1  # one confirmation, not two
    assert event_services.places_left(event) == 9


def test_double_register_through_the_page_keeps_one_row():
    event = make_event(capacity=5)
    client = Client()
    person = make_person()
    client.force_login(person)
    client.post(f"/events/{event.slug}/register/")
    client.post(f"/events/{event.slug}/register/")
    assert Registration.objects.filter(event=event, user=person, status="registered").count() == 1


def test_registering_past_the_deadline_is_refused_and_changes_nothing():
    event = make_event(registration_deadline=timezone.now() - datetime.timedelta(hours=1))
    person = make_person()
    with pytest.raises(event_services.RegistrationClosed):
        event_services.register(event=event, user=person)
    client = Client()
    client.force_login(person)
    response = client.post(f"/events/{event.slug}/register/", follow=True)
    assert "closed" in response.content.decode()
    assert not Registration.objects.filter(event=event).exists()


def test_registering_for_a_past_or_cancelled_event_is_refused():
    past = make_event(days=-3)
    cancelled = make_event(is_cancelled=True)
    person = make_person()
    for event in (past, cancelled):
        with pytest.raises(event_services.RegistrationClosed):
            event_services.register(event=event, user=person)
    assert not Registration.objects.exists()


def test_full_event_puts_the_next_person_on_the_waiting_list_in_order():
    event = make_event(capacity=1)
    first, second, third = make_person(), make_person(), make_person()
    event_services.register(event=event, user=first)
    event_services.register(event=event, user=second)
    event_services.register(event=event, user=third)
    assert [status_of(event, u) for u in (first, second, third)] == ["registered", "waitlisted", "waitlisted"]
    assert event_services.places_left(event) == 0
    regs = {r.user_id: r for r in Registration.objects.filter(event=event)}
    assert event_services.waitlist_position(regs[second.pk]) == 1
    assert event_services.waitlist_position(regs[third.pk]) == 2


def test_cancelling_promotes_the_first_waiting_person_and_emails_them(django_capture_on_commit_callbacks):
    event = make_event(capacity=1, title="Water loss workshop")
    first, second, third = make_person(), make_person(), make_person()
    for person in (first, second, third):
        event_services.register(event=event, user=person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event_services.cancel_registration(event=event, user=first)
    assert [status_of(event, u) for u in (first, second, third)] == ["cancelled", "registered", "waitlisted"]
    assert [m.to for m in mail.outbox] == [[second.email]]
    assert "Water loss workshop" in mail.outbox[0].subject
    assert Registration.objects.get(event=event, user=second).promoted_at is not None


def test_cancelling_twice_is_harmless_and_promotes_only_once(django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    first, second, third = make_person(), make_person(), make_person()
    for person in (first, second, third):
        event_services.register(event=event, user=person)
    with django_capture_on_commit_callbacks(execute=True):
        event_services.cancel_registration(event=event, user=first)
        event_services.cancel_registration(event=event, user=first)
    assert status_of(event, third) == "waitlisted"
    client = Client()
    client.force_login(first)
    assert client.post(f"/events/{event.slug}/cancel/").status_code == 302
    assert status_of(event, third) == "waitlisted"
    assert Registration.objects.filter(event=event, status="registered").count() == 1


def test_cancelling_without_a_registration_changes_nothing():
    event = make_event()
    assert event_services.cancel_registration(event=event, user=make_person()) is None
    assert not Registration.objects.exists()


def test_re_registering_after_cancelling_reuses_the_row_and_joins_the_back_of_the_queue():
    event = make_event(capacity=1)
    first, second = make_person(), make_person()
    event_services.register(event=event, user=first)
    event_services.cancel_registration(event=event, user=first)
    event_services.register(event=event, user=second)
    result = event_services.register(event=event, user=first)
    assert result.registration.status == "waitlisted"
    assert Registration.objects.filter(event=event, user=first).count() == 1


def test_growing_capacity_promotes_people_waiting():
    event = make_event(capacity=1)
    first, second = make_person(), make_person()
    event_services.register(event=event, user=first)
    event_services.register(event=event, user=second)
    event_services.update_event(event=event, acting_user=first, capacity=2)
    assert status_of(event, second) == "registered"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_taking_the_last_seat_at_once_one_registered_one_waitlisted():
    # Given one seat left
    event = make_event(capacity=2)
    event_services.register(event=event, user=make_person())
    racers = [make_person(), make_person()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def take_seat(user):
        try:
            barrier.wait()
            event_services.register(event=Event.objects.get(pk=event.pk), user=user)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    # When both register at the same moment
    threads = [threading.Thread(target=take_seat, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # Then one has the seat and the other waits
    assert not errors
    statuses = sorted(status_of(event, user) for user in racers)
    assert statuses == ["registered", "waitlisted"]
    assert Registration.objects.filter(event=event, status="registered").count() == 2


def test_reminders_go_once_to_registered_people_the_day_before(django_capture_on_commit_callbacks):
    soon = make_event(days=0.5, title="Tomorrow's webinar")
    later = make_event(days=3)
    registered, waiting, other = make_person(), make_person(), make_person()
    soon.capacity = 1
    soon.save()
    event_services.register(event=soon, user=registered)
    event_services.register(event=soon, user=waiting)
    event_services.register(event=later, user=other)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_event_reminders", stdout=open("/dev/null", "w"))
    assert [m.to for m in mail.outbox] == [[registered.email]]
    assert "Reminder" in mail.outbox[0].subject
    soon.refresh_from_db()
    assert soon.reminder_sent_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert event_services.send_event_reminders() == 0
    assert len(mail.outbox) == 1


def test_reminder_task_runs_the_service():
    from networks.event_tasks import send_event_reminders_task

    event = make_event(days=0.5)
    event_services.register(event=event, user=make_person())
    send_event_reminders_task.enqueue()
    event.refresh_from_db()
    assert event.reminder_sent_at is not None


def test_cancelling_the_event_emails_registered_and_waiting_people_once(django_capture_on_commit_callbacks):
    event = make_event(capacity=1)
    registered, waiting, gone = make_person(), make_person(), make_person()
    event_services.register(event=event, user=gone)
    event_services.cancel_registration(event=event, user=gone)
    event_services.register(event=event, user=registered)
    event_services.register(event=event, user=waiting)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        event_services.update_event(event=event, acting_user=registered, is_cancelled=True)
    with django_capture_on_commit_callbacks(execute=True):
        event_services.update_event(event=event, acting_user=registered, is_cancelled=True, title="Renamed")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([registered.email, waiting.email])
    assert all(m.subject.startswith("Cancelled:") for m in mail.outbox)
    with pytest.raises(event_services.RegistrationClosed):
        event_services.register(event=event, user=make_person())
