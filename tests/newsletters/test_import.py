"""CSV import (all or nothing, with a per-row report; rows without a consent basis rejected; suppressed addresses
never re-added) and export (consent columns, formulas neutralised), through the service and the publishers' pages."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hub.models import AuditEntry, Municipality
from newsletters.models import ConsentRecord, Subscriber, Subscription, Suppression
from newsletters.services import subscriptions as service
from newsletters.services.audience import audience_queryset
from tests.factories import make_user_with_role
from tests.newsletters.factories import NewsletterFactory, SubscriberFactory, SubscriptionFactory
from tests.newsletters.subscriber_helpers import snapshot

pytestmark = pytest.mark.django_db

HEADER = "email,name,municipality code,province code,function,language,consent basis,consent date\n"


@pytest.fixture
def newsletter():
    return NewsletterFactory(slug="hub-update")


@pytest.fixture
def publisher():
    return make_user_with_role("newsletter_publisher")


def run(newsletter, publisher, body: str, *, header: str = HEADER):
    return service.import_subscribers(newsletter=newsletter, text=header + body, source_name="summit.csv",
                                      acting_user=publisher)


def test_a_correct_file_is_imported_with_an_import_consent_record_per_row(newsletter, publisher):
    report = run(newsletter, publisher, (
        "Lerato@Example.org,Lerato Molefe,CPT,,led_officer,zu,Registered at the LED summit,2025-03-04\n"
        "pieter@example.org,,,NC,IDP / planning manager,Afrikaans,Ticked the box on the summit form,2025-03-05\n"
    ))

    assert report.is_valid and report.imported
    assert report.added_count == 2
    lerato = Subscriber.objects.get(email="lerato@example.org")
    cape_town = Municipality.objects.get(code="CPT")
    assert (lerato.name, lerato.municipality, lerato.province) == ("Lerato Molefe", cape_town, cape_town.province)
    assert (lerato.function, lerato.language) == ("led_officer", "zu")
    pieter = Subscriber.objects.get(email="pieter@example.org")
    assert (pieter.province.code, pieter.function, pieter.language) == ("NC", "idp_manager", "af")
    consent = ConsentRecord.objects.get(subscription__subscriber=lerato)
    assert consent.method == ConsentRecord.Method.IMPORT
    assert consent.wording == "Registered at the LED summit"
    assert consent.given_at.date().isoformat() == "2025-03-04"
    assert consent.confirmed_at is None
    assert "summit.csv" in consent.source and "row 2" in consent.source
    assert consent.recorded_by == publisher
    assert audience_queryset(newsletter=newsletter).count() == 2
    assert AuditEntry.objects.filter(action="newsletters.subscribers_imported").count() == 1


def test_one_bad_row_imports_nothing_and_the_report_names_every_bad_row(newsletter, publisher):
    before = snapshot()

    report = run(newsletter, publisher, (
        "good@example.org,Good Person,,,,,Signed up at the summit,2025-03-04\n"
        "no-consent@example.org,No Consent,,,,,,2025-03-04\n"
        "not-an-address,Bad Address,,,,,Signed up at the summit,2025-03-04\n"
        "good2@example.org,Good Two,,,,,Signed up at the summit,2025-03-04\n"
        "no-date@example.org,,,,,,Signed up at the summit,\n"
    ))

    assert not report.imported
    assert report.error_count == 3
    by_row = {row.number: row for row in report.rows}
    assert by_row[2].is_valid and by_row[5].is_valid
    assert any("consent basis" in error for error in by_row[3].errors)
    assert any("not a valid email address" in error for error in by_row[4].errors)
    assert any("consent date" in error for error in by_row[6].errors)
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="newsletters.subscribers_imported").exists()


@pytest.mark.parametrize(
    "row, problem",
    [
        ("thandi@,T,,,,,Summit,2025-03-04", "email"),
        ("two words@example.org,T,,,,,Summit,2025-03-04", "email"),
        ('"thandi@example.org\r\nBcc: all@example.org",T,,,,,Summit,2025-03-04', "email"),
        ('ok@example.org,"Thandi\r\nBcc: all@example.org",,,,,Summit,2025-03-04', "name"),
        ("ok@example.org,T,ZZZ,,,,Summit,2025-03-04", "municipality code"),
        ("ok@example.org,T,,XX,,,Summit,2025-03-04", "province code"),
        ("ok@example.org,T,CPT,GP,,,Summit,2025-03-04", "province code"),
        ("ok@example.org,T,,,astronaut,,Summit,2025-03-04", "function"),
        ("ok@example.org,T,,,,klingon,Summit,2025-03-04", "language"),
        ("ok@example.org,T,,,,,Summit,04/03/2025", "consent date"),
        ("ok@example.org,T,,,,,Summit,2999-01-01", "consent date"),
        ("ok@example.org,T,,,,,   ,2025-03-04", "consent basis"),
        ("ok@example.org,T,,,,,Summit,2025-03-04,extra", "more cells"),
    ],
)
def test_each_kind_of_bad_row_is_reported_and_nothing_is_imported(newsletter, publisher, row, problem):
    before = snapshot()

    report = run(newsletter, publisher, "fine@example.org,Fine,,,,,Summit,2025-03-04\n" + row + "\n")

    assert not report.imported
    assert [r.number for r in report.rows if r.errors] == [3]
    assert any(problem in error for error in report.rows[1].errors), report.rows[1].errors
    assert snapshot() == before


def test_the_same_address_twice_is_an_error_on_the_second_row(newsletter, publisher):
    report = run(newsletter, publisher, "a@example.org,,,,,,Summit,2025-03-04\nA@Example.org,,,,,,Summit,2025-03-04\n")
    assert [row.number for row in report.rows if row.errors] == [3]
    assert "row 2" in report.rows[1].errors[0]
    assert not Subscriber.objects.exists()


def test_suppressed_addresses_and_people_who_left_are_reported_and_not_re_added(newsletter, publisher):
    service.suppress(email="bounced@example.org", reason=Suppression.Reason.BOUNCED)
    left = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(email="left@example.org"),
                               status=Subscription.Status.UNSUBSCRIBED)
    already = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(email="here@example.org"))

    report = run(newsletter, publisher, (
        "bounced@example.org,,,,,,Summit,2025-03-04\n"
        "left@example.org,,,,,,Summit,2025-03-04\n"
        "here@example.org,,,,,,Summit,2025-03-04\n"
        "new@example.org,,,,,,Summit,2025-03-04\n"
    ))

    assert report.imported
    assert [row.outcome for row in report.rows] == ["suppressed", "left_earlier", "already_subscribed", "subscribe"]
    assert "Not added" in report.rows[0].outcome_text
    left.refresh_from_db()
    assert left.status == Subscription.Status.UNSUBSCRIBED
    assert not Subscriber.objects.filter(email="bounced@example.org").exists()
    assert already.consents.count() == 1
    assert set(audience_queryset(newsletter=newsletter).values_list("subscriber__email", flat=True)) == {
        "here@example.org", "new@example.org"}


def test_an_existing_subscriber_keeps_their_details_and_gains_only_missing_ones(newsletter, publisher):
    subscriber = SubscriberFactory(email="known@example.org", name="Their Own Name", function="")

    run(newsletter, publisher, "known@example.org,Imported Name,,,cfo,,Summit,2025-03-04\n")

    subscriber.refresh_from_db()
    assert subscriber.name == "Their Own Name"
    assert subscriber.function == "cfo"
    assert Subscription.objects.get(subscriber=subscriber).status == Subscription.Status.SUBSCRIBED


def test_a_pending_sign_up_becomes_subscribed_by_import(newsletter, publisher):
    pending = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(email="pending@example.org"),
                                  status=Subscription.Status.PENDING)

    report = run(newsletter, publisher, "pending@example.org,,,,,,Summit,2025-03-04\n")

    assert report.rows[0].outcome == "confirm_pending"
    pending.refresh_from_db()
    assert pending.status == Subscription.Status.SUBSCRIBED


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("email,name,favourite colour\n", "Unknown column"),
        ("email,name\nx@example.org,X\n", "Missing column"),
        (HEADER, "no rows"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(newsletter, publisher, text, message):
    with pytest.raises(service.ImportFileError, match=message):
        service.import_subscribers(newsletter=newsletter, text=text, source_name="x.csv", acting_user=publisher)
    assert not Subscriber.objects.exists()


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(newsletter, publisher):
    report = run(newsletter, publisher, "2025-01-02,Staff induction,z@example.org\n",
                 header="Consent Date,Consent Basis,Email\n")
    assert report.imported
    assert Subscriber.objects.get().email == "z@example.org"


# --- The publishers' pages --------------------------------------------------------------------------------------


def upload(client, newsletter, text: str, **extra):
    data = {"file": SimpleUploadedFile("list.csv", text.encode("utf-8"), content_type="text/csv"), "confirm": "on"}
    data.update(extra)
    return client.post(reverse("newsletters:subscriber_import", args=[newsletter.slug]), data)


def test_the_import_page_imports_and_reports_row_by_row(client, newsletter, publisher):
    client.force_login(publisher)

    response = upload(client, newsletter, HEADER + "a@example.org,A,,,,,Summit,2025-03-04\n")

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 subscriber imported" in page
    assert "a@example.org" in page
    assert Subscription.objects.filter(newsletter=newsletter).count() == 1


def test_the_import_page_shows_every_bad_row_in_an_error_summary_and_imports_nothing(client, newsletter, publisher):
    client.force_login(publisher)
    before = snapshot()

    response = upload(client, newsletter, HEADER + "a@example.org,A,,,,,,2025-03-04\nbad,B,,,,,Summit,2025-03-04\n")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported: 2 rows have problems" in page
    assert 'href="#row-2"' in page and 'href="#row-3"' in page
    assert snapshot() == before


def test_a_file_that_is_not_utf8_is_refused_clearly(client, newsletter, publisher):
    client.force_login(publisher)
    response = client.post(
        reverse("newsletters:subscriber_import", args=[newsletter.slug]),
        {"file": SimpleUploadedFile("list.csv", (HEADER + "é@example.org,Zoë,,,,,x,2025-01-01\n").encode("latin-1")),
         "confirm": "on"},
    )
    assert response.status_code == 400
    assert "not UTF-8" in response.content.decode()
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize("role", ["visitor", "member", "salga_staff", "content_reviewer"])
def test_only_publishers_may_import_or_export(client, newsletter, role):
    user = make_user_with_role(role)
    if user:
        client.force_login(user)
    before = snapshot()

    responses = [
        upload(client, newsletter, HEADER + "a@example.org,A,,,,,Summit,2025-03-04\n"),
        client.get(reverse("newsletters:subscriber_import", args=[newsletter.slug])),
        client.get(reverse("newsletters:subscriber_export", args=[newsletter.slug])),
        client.post(reverse("newsletters:subscriber_erase"), {"email": "a@example.org", "confirm": "on"}),
    ]

    expected = 302 if role == "visitor" else 403
    assert [response.status_code for response in responses] == [expected] * 4
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action__startswith="newsletters.subscribers").exists()


def test_administrators_may_import(client, newsletter):
    client.force_login(make_user_with_role("site_administrator"))
    assert upload(client, newsletter, HEADER + "a@example.org,A,,,,,Summit,2025-03-04\n").status_code == 200


# --- Export ---------------------------------------------------------------------------------------------------------


def exported(client, newsletter) -> list[dict[str, str]]:
    response = client.get(reverse("newsletters:subscriber_export", args=[newsletter.slug]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_export_has_every_subscription_with_its_newest_consent(client, newsletter, publisher):
    confirmed = SubscriptionFactory(newsletter=newsletter, subscriber=SubscriberFactory(
        email="a@example.org", name="Amahle", municipality=Municipality.objects.get(code="CPT")))
    SubscriptionFactory(newsletter=newsletter, status=Subscription.Status.UNSUBSCRIBED,
                        subscriber=SubscriberFactory(email="b@example.org"))
    SubscriptionFactory(subscriber=SubscriberFactory(email="other-list@example.org"))
    client.force_login(publisher)

    rows = exported(client, newsletter)

    assert [row["email"] for row in rows] == ["a@example.org", "b@example.org"]
    first = rows[0]
    assert (first["name"], first["municipality code"], first["status"]) == ("Amahle", "CPT", "subscribed")
    assert first["consent method"] == "form"
    assert first["consent wording"] == str(newsletter.consent_wording)
    assert first["consent given at"].startswith(timezone.localdate(confirmed.subscribed_at).isoformat())
    assert first["consent confirmed at"]
    assert rows[1]["status"] == "unsubscribed"
    assert AuditEntry.objects.filter(action="newsletters.subscribers_exported").count() == 1


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
                                  "\tTabbed", "\rCarriage"])
def test_export_neutralises_spreadsheet_formulas(client, newsletter, publisher, name):
    Subscriber.objects.filter(pk=SubscriptionFactory(newsletter=newsletter).subscriber_id).update(name=name)
    client.force_login(publisher)

    rows = exported(client, newsletter)

    assert rows[0]["name"] == "'" + name
    assert not rows[0]["name"][0] in "=+-@\t\r"


def test_an_imported_list_exports_its_consent_basis(client, newsletter, publisher):
    run(newsletter, publisher, "a@example.org,A,,,,,Signed the register at the summit,2025-03-04\n")
    client.force_login(publisher)

    row = exported(client, newsletter)[0]

    assert row["consent method"] == "import"
    assert row["consent wording"] == "Signed the register at the summit"
    assert row["consent given at"].startswith("2025-03-04")
    assert row["consent confirmed at"] == ""


def test_the_import_page_needs_a_file_and_the_consent_confirmation(client, newsletter, publisher):
    client.force_login(publisher)
    before = snapshot()

    no_tick = upload(client, newsletter, HEADER + "a@example.org,A,,,,,Summit,2025-03-04\n", confirm="")
    no_file = client.post(reverse("newsletters:subscriber_import", args=[newsletter.slug]), {"confirm": "on"})

    assert no_tick.status_code == no_file.status_code == 400
    assert "Confirm that everyone in the file agreed" in no_tick.content.decode()
    assert 'href="#id_file"' in no_file.content.decode()
    assert snapshot() == before
