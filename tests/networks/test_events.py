"""Event pages: lists and filters, detail, create/edit permissions, private network events by URL, attendee list,
CSV export (formula-safe) and attendance marking."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from hub.models import Province
from networks.models import Event, Network, Registration
from networks.services import events as event_services
from tests.factories import make_user_with_role
from tests.networks.event_helpers import join, make_coordinator, make_event, make_network, make_person

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_event_list_shows_upcoming_by_default_and_past_on_request():
    make_event(title="Upcoming indaba")
    make_event(title="Last year's indaba", days=-30)
    upcoming = Client().get("/events/").content.decode()
    past = Client().get("/events/?when=past").content.decode()
    assert "Upcoming indaba" in upcoming and "Last year" not in upcoming
    assert "Last year" in past and "Upcoming indaba" not in past


def test_event_list_filters_by_network_type_and_province():
    led, ict = make_network(name="LED Network", slug="led"), make_network(name="ICT Network", slug="ict")
    gauteng = Province.objects.get(code="GT")
    make_event(network=led, title="LED workshop", province=gauteng)
    make_event(network=ict, title="ICT webinar", event_type=Event.EventType.WEBINAR)
    assert "ICT webinar" not in Client().get("/events/?network=led").content.decode()
    by_type = Client().get("/events/?type=webinar").content.decode()
    assert "ICT webinar" in by_type and "LED workshop" not in by_type
    by_province = Client().get("/events/?province=GT").content.decode()
    assert "LED workshop" in by_province and "ICT webinar" not in by_province


def test_bad_filter_values_do_not_break_the_list():
    make_event(title="Still listed")
    response = Client().get("/events/?network=<script>&type=nope&province=ZZ&page=abc&when=later")
    assert response.status_code == 200
    assert "Still listed" in response.content.decode()


def test_private_network_events_are_absent_from_lists_and_404_by_url_for_outsiders():
    network = make_network(visibility=Network.Visibility.MEMBERS, slug="mm-forum")
    event = make_event(network=network, title="Secret budget session")
    member = make_person()
    join(network, member)
    for viewer in (None, make_person()):
        client = client_for(viewer)
        assert "Secret budget session" not in client.get("/events/").content.decode()
        assert client.get(f"/events/{event.slug}/").status_code == 404
        assert client.get("/networks/mm-forum/events/").status_code == 404
        assert client.get(f"/events/{event.slug}/attendees/").status_code in (302, 404)
    # and registering by URL is refused without a trace
    outsider = make_person()
    assert client_for(outsider).post(f"/events/{event.slug}/register/").status_code == 404
    assert not Registration.objects.filter(event=event).exists()
    # a member sees it; so does SALGA staff
    assert client_for(member).get(f"/events/{event.slug}/").status_code == 200
    assert client_for(make_user_with_role("salga_staff")).get(f"/events/{event.slug}/").status_code == 200


def test_event_detail_hides_online_link_until_registered_and_shows_places_and_position():
    event = make_event(capacity=1, venue="", online_url="https://meet.example.org/abc-123",
                       description="**Agenda** <script>alert(1)</script>")
    first, second = make_person(), make_person()
    page = client_for(first).get(f"/events/{event.slug}/").content.decode()
    assert "abc-123" not in page
    assert "<strong>Agenda</strong>" in page and "<script>alert(1)" not in page
    assert "1 place left of 1" in page
    event_services.register(event=event, user=first)
    assert "abc-123" in client_for(first).get(f"/events/{event.slug}/").content.decode()
    event_services.register(event=event, user=second)
    second_page = client_for(second).get(f"/events/{event.slug}/").content.decode()
    assert "number 1 on the waiting list" in second_page
    assert "abc-123" not in second_page


def test_past_event_shows_the_post_event_pack_filtered_by_visibility():
    from resources.models import Resource
    from tests.resources.factories import ResourceFactory

    event = make_event(days=-10)
    public = ResourceFactory(title="Presentation slides from the exchange")
    internal = ResourceFactory(title="Internal debrief notes", visibility=Resource.Visibility.INTERNAL)
    draft = ResourceFactory(title="Unreviewed report", status=Resource.Status.DRAFT)
    event.resources.add(public, internal, draft)
    page = Client().get(f"/events/{event.slug}/").content.decode()
    assert "Presentation slides from the exchange" in page
    assert "Internal debrief notes" not in page and "Unreviewed report" not in page
    staff_page = client_for(make_user_with_role("salga_staff")).get(f"/events/{event.slug}/").content.decode()
    assert "Internal debrief notes" in staff_page


def test_post_event_pack_given_in_the_form_is_linked_and_added_to_the_network_library():
    from tests.resources.factories import ResourceFactory

    network = make_network(slug="led")
    coordinator = make_coordinator(network)
    resource = ResourceFactory()
    response = client_for(coordinator).post(
        "/networks/led/events/new/", event_form_data(pack=f"https://hub.example.org/resources/{resource.slug}/")
    )
    assert response.status_code == 302
    event = Event.objects.get(network=network)
    assert list(event.resources.all()) == [resource]
    assert resource in network.resources.all()


def event_form_data(**overrides) -> dict[str, str]:
    starts = timezone.localtime(timezone.now() + datetime.timedelta(days=14))
    data = {
        "title": "Khâi-Ma <b>LED</b> exchange",
        "event_type": "learning_exchange",
        "description": "Site visit",
        "starts_at": starts.strftime("%Y-%m-%dT09:00"),
        "ends_at": starts.strftime("%Y-%m-%dT15:00"),
        "venue": "Pofadder",
        "province": "",
        "online_url": "",
        "capacity": "20",
        "registration_deadline": "",
        "is_published": "on",
        "pack": "",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_an_event_in_johannesburg_time():
    network = make_network(slug="led")
    coordinator = make_coordinator(network)
    response = client_for(coordinator).post("/networks/led/events/new/", event_form_data())
    event = Event.objects.get(network=network)
    assert response.status_code == 302
    assert timezone.localtime(event.starts_at).hour == 9
    assert event.starts_at.astimezone(datetime.timezone.utc).hour == 7
    assert event.created_by == coordinator
    page = client_for(None).get(event.get_absolute_url()).content.decode()
    assert "Khâi-Ma &lt;b&gt;LED&lt;/b&gt; exchange" in page


@pytest.mark.parametrize("role", ["visitor", "member", "municipal_official", "salga_staff", "content_reviewer"])
def test_people_who_do_not_coordinate_cannot_create_events(role):
    network = make_network(slug="led")
    join_member = make_user_with_role(role)
    client = client_for(join_member)
    response = client.post("/networks/led/events/new/", event_form_data())
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"]
    assert not Event.objects.exists()


def test_coordinator_of_another_network_cannot_create_or_edit_or_see_attendees():
    led, ict = make_network(slug="led"), make_network(slug="ict")
    ict_coordinator = make_coordinator(ict)
    event = make_event(network=led, title="LED only")
    client = client_for(ict_coordinator)
    assert client.post("/networks/led/events/new/", event_form_data()).status_code == 404
    assert client.post(f"/events/{event.slug}/edit/", event_form_data(title="Hijacked")).status_code == 404
    assert client.get(f"/events/{event.slug}/attendees/").status_code == 404
    assert client.get(f"/events/{event.slug}/attendees.csv").status_code == 404
    event.refresh_from_db()
    assert event.title == "LED only"
    assert Event.objects.count() == 1


def test_site_administrator_may_edit_any_network_event():
    event = make_event(network=make_network())
    admin = make_user_with_role("site_administrator")
    response = client_for(admin).post(f"/events/{event.slug}/edit/", event_form_data(title="Renamed"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Renamed"


def test_hub_wide_events_are_managed_by_staff_only():
    event = make_event(network=None)
    assert client_for(make_user_with_role("salga_staff")).get(f"/events/{event.slug}/edit/").status_code == 200
    assert client_for(make_person()).get(f"/events/{event.slug}/edit/").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"ends_at": "2020-01-01T00:00"}, "ends_at"),
        ({"venue": "", "online_url": ""}, "venue"),
        ({"capacity": "0"}, "capacity"),
        ({"registration_deadline": "2099-01-01T00:00"}, "registration_deadline"),
        ({"starts_at": "not a date"}, "starts_at"),
        ({"pack": "no-such-resource"}, "pack"),
        ({"title": "x" * 500}, "title"),
    ],
)
def test_invalid_event_forms_show_errors_and_save_nothing(overrides, field):
    network = make_network(slug="led")
    coordinator = make_coordinator(network)
    response = client_for(coordinator).post("/networks/led/events/new/", event_form_data(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'href="#id_{field}"' in response.content.decode()
    assert not Event.objects.exists()


def test_attendee_list_csv_is_formula_safe_and_attendance_is_saved():
    network = make_network()
    coordinator = make_coordinator(network)
    event = make_event(network=network, capacity=1)
    sneaky = make_person(full_name="=HYPERLINK(\"http://evil\")")
    waiting = make_person(full_name="+Tshivenḓa Speaker")
    event_services.register(event=event, user=sneaky)
    event_services.register(event=event, user=waiting)
    client = client_for(coordinator)
    page = client.get(f"/events/{event.slug}/attendees/")
    assert page.status_code == 200
    csv_text = client.get(f"/events/{event.slug}/attendees.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv_text and "'+Tshivenḓa Speaker" in csv_text
    assert "\n=" not in csv_text and ",=" not in csv_text
    registration = Registration.objects.get(event=event, user=sneaky)
    client.post(f"/events/{event.slug}/attendees/", {"attended": [str(registration.pk)]})
    registration.refresh_from_db()
    assert registration.attended is True
    client.post(f"/events/{event.slug}/attendees/", {})
    registration.refresh_from_db()
    assert registration.attended is False


def test_attendance_with_a_foreign_registration_id_changes_nothing():
    network = make_network()
    coordinator = make_coordinator(network)
    event, other_event = make_event(network=network), make_event()
    other = event_services.register(event=other_event, user=make_person()).registration
    response = client_for(coordinator).post(f"/events/{event.slug}/attendees/", {"attended": [str(other.pk)]})
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.attended is None


def test_network_event_list_only_shows_that_network():
    led, ict = make_network(slug="led"), make_network(slug="ict")
    make_event(network=led, title="LED meeting")
    make_event(network=ict, title="ICT meeting")
    page = Client().get("/networks/led/events/").content.decode()
    assert "LED meeting" in page and "ICT meeting" not in page


def test_event_list_query_count_does_not_grow_with_the_number_of_events():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(make_person())
    make_event(network=make_network())
    client.get("/events/")
    with CaptureQueriesContext(connection) as few:
        client.get("/events/")
    for _ in range(15):
        make_event(network=make_network(), province=Province.objects.first())
    with CaptureQueriesContext(connection) as many:
        client.get("/events/")
    assert len(many) == len(few)
    assert len(many) <= 16


def test_unverified_person_cannot_register_and_nothing_changes():
    event = make_event()
    unverified = make_user_with_role("unverified")
    response = client_for(unverified).post(f"/events/{event.slug}/register/", follow=True)
    assert response.status_code == 200
    assert not Registration.objects.filter(event=event).exists()


def test_visitor_register_post_goes_to_login_and_changes_nothing():
    event = make_event()
    response = Client().post(f"/events/{event.slug}/register/")
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Registration.objects.exists()


def test_draft_event_is_visible_to_its_coordinator_only():
    network = make_network()
    coordinator = make_coordinator(network)
    draft = make_event(network=network, is_published=False, title="Draft plan")
    assert client_for(coordinator).get(f"/events/{draft.slug}/").status_code == 200
    assert client_for(make_person()).get(f"/events/{draft.slug}/").status_code == 404
    assert "Draft plan" not in Client().get("/events/").content.decode()


def test_script_in_title_is_inert_on_list_and_detail():
    event = make_event(title="<script>alert('x')</script> Indaba")
    for path in ("/events/", f"/events/{event.slug}/"):
        page = Client().get(path).content.decode()
        assert "<script>alert('x')</script>" not in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("visitor", False), ("member", False), ("municipal_official", False), ("content_reviewer", False),
     ("salga_staff", True), ("site_administrator", True)],
)
def test_hub_wide_events_are_created_by_staff_and_administrators_only(role, allowed):
    user = make_user_with_role(role)
    response = client_for(user).post("/events/new/", event_form_data(title="National LED indaba"))
    if allowed:
        assert response.status_code == 302
        assert Event.objects.get().network is None
    else:
        assert response.status_code == (302 if user is None else 404)
        assert not Event.objects.exists()


def test_network_coordinator_cannot_create_hub_wide_events():
    coordinator = make_coordinator(make_network())
    assert client_for(coordinator).post("/events/new/", event_form_data()).status_code == 404
    assert not Event.objects.exists()


def test_event_list_shows_places_left_and_full_events():
    roomy = make_event(title="Roomy", capacity=5)
    full = make_event(title="Packed", capacity=1)
    event_services.register(event=full, user=make_person())
    event_services.register(event=roomy, user=make_person())
    page = Client().get("/events/").content.decode()
    assert "4 places left" in page
    assert "Full: waiting list" in page


def test_an_online_link_typed_without_a_scheme_is_read_as_https():
    from networks.forms_events import EventForm

    form = EventForm(data={"online_url": "meet.example.org/abc"})
    form.is_valid()
    assert "online_url" not in form.errors
    assert form.cleaned_data["online_url"] == "https://meet.example.org/abc"
