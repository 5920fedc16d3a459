"""CSV import and export of a newsletter's subscribers (re-exported by newsletters.services.subscriptions).

Import columns (UTF-8 CSV with a header row; only email, consent basis and consent date are required):

    email              the address
    name               the person's name
    municipality code  e.g. CPT, NC067
    province code      e.g. WC (taken from the municipality when only that is given)
    function           e.g. led_officer, or its label "LED officer"
    language           e.g. zu, or "isiZulu" (default: the newsletter's language)
    consent basis      how this person consented, e.g. "Signed the attendance register at the LED summit, 2025-03-04"
    consent date       YYYY-MM-DD (or an ISO date and time), not in the future

Every row is checked first; the report says row by row what will happen or what is wrong. If any row is wrong,
nothing is imported. Otherwise everything is written in one transaction. Addresses that are suppressed (bounced,
complained, erased or "stop all email") or that left this newsletter earlier are not added back: only a new
confirmed opt-in can do that; the report says so.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hub.models import Function, Language, Municipality, Province
from hub.services.audit import record_audit
from hub.spreadsheets import csv_safe
from newsletters.models import (
    ConsentRecord,
    Newsletter,
    Subscriber,
    Subscription,
    Suppression,
    email_hash,
    normalise_email,
)
from newsletters.validators import has_control_characters

COLUMNS = (
    "email",
    "name",
    "municipality code",
    "province code",
    "function",
    "language",
    "consent basis",
    "consent date",
)
REQUIRED_COLUMNS = ("email", "consent basis", "consent date")
MAX_ROWS = 50_000
ACTION_IMPORTED = "newsletters.subscribers_imported"
ACTION_EXPORTED = "newsletters.subscribers_exported"

EXPORT_COLUMNS = (
    "email",
    "name",
    "municipality code",
    "province code",
    "function",
    "language",
    "status",
    "subscribed at",
    "unsubscribed at",
    "consent method",
    "consent wording",
    "consent given at",
    "consent confirmed at",
    "consent source",
)


class ImportFileError(Exception):
    """The file cannot be used at all (not UTF-8, no header, unknown or missing columns, too many rows)."""


class Outcome:
    SUBSCRIBE = "subscribe"
    CONFIRM_PENDING = "confirm_pending"
    ALREADY_SUBSCRIBED = "already_subscribed"
    SUPPRESSED = "suppressed"
    LEFT_EARLIER = "left_earlier"


OUTCOME_TEXT = {
    Outcome.SUBSCRIBE: gettext_noop("Subscribed."),
    Outcome.CONFIRM_PENDING: gettext_noop("Subscribed (their own sign-up was waiting for confirmation)."),
    Outcome.ALREADY_SUBSCRIBED: gettext_noop("Already subscribed: left as it is."),
    Outcome.SUPPRESSED: gettext_noop(
        "Not added: this address bounced, complained, asked to be erased or to stop all email. Only their own new, "
        "confirmed sign-up can add it back."
    ),
    Outcome.LEFT_EARLIER: gettext_noop(
        "Not added: this person left this newsletter earlier. Only their own new, confirmed sign-up can add them "
        "back."
    ),
}
ADDED = (Outcome.SUBSCRIBE, Outcome.CONFIRM_PENDING)


@dataclass
class ImportRow:
    number: int  # the row's number in the file, the header being row 1
    email: str
    errors: list[str] = field(default_factory=list)
    outcome: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def outcome_text(self) -> str:
        return _(OUTCOME_TEXT[self.outcome]) if self.outcome else ""


@dataclass
class ImportReport:
    rows: list[ImportRow]
    imported: bool = False

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    @property
    def added_count(self) -> int:
        return sum(1 for row in self.rows if row.is_valid and row.outcome in ADDED)

    @property
    def not_added_count(self) -> int:
        return sum(1 for row in self.rows if row.is_valid and row.outcome not in ADDED)


def read_csv(text: str) -> list[dict[str, str]]:
    """The rows as dicts (column -> text). Raises ImportFileError for a file that cannot be used at all."""
    text = text.lstrip("\ufeff")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [" ".join((name or "").strip().lower().split()) for name in (reader.fieldnames or [])]
        if not header:
            raise ImportFileError(_("The file is empty: it needs a header row naming its columns."))
        unknown = [name for name in header if name not in COLUMNS]
        if unknown:
            raise ImportFileError(
                _("Unknown column(s): %(unknown)s. The columns are: %(columns)s.")
                % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
            )
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise ImportFileError(_("Missing column(s): %(missing)s.") % {"missing": ", ".join(missing)})
        reader.fieldnames = header
        rows = []
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise ImportFileError(_("More than %(max)s rows: split the file.") % {"max": MAX_ROWS})
            extra = row.pop(None, None)
            cleaned = {key: (value or "") for key, value in row.items()}
            if extra:
                cleaned["__extra__"] = "yes"
            rows.append(cleaned)
        return rows
    except csv.Error as error:
        raise ImportFileError(_("The file could not be read as CSV: %(error)s") % {"error": error}) from error


def decode_upload(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again.")) from error


class _Lookups:
    """Reference data and existing records, loaded once for the whole file."""

    def __init__(self, *, newsletter: Newsletter, emails: list[str], lock: bool) -> None:
        self.municipalities = {m.code.upper(): m for m in Municipality.objects.select_related("province")}
        self.provinces = {p.code.upper(): p for p in Province.objects.all()}
        self.functions = {value: value for value in Function.values}
        self.functions.update({str(label).casefold(): value for value, label in Function.choices})
        self.languages = {value: value for value in Language.values}
        self.languages.update({str(label).casefold(): value for value, label in Language.choices})
        subscribers = Subscriber.objects.filter(email__in=emails)
        if lock:
            subscribers = subscribers.select_for_update()
        self.subscribers = {subscriber.email: subscriber for subscriber in subscribers}
        self.subscriptions = {
            subscription.subscriber.email: subscription
            for subscription in Subscription.objects.filter(
                newsletter=newsletter, subscriber__email__in=emails
            ).select_related("subscriber")
        }
        self.suppressed = set(
            Suppression.objects.filter(email_hash__in=[email_hash(email) for email in emails]).values_list(
                "email_hash", flat=True
            )
        )


def _consent_date(value: str, errors: list[str]) -> datetime | None:
    value = value.strip()
    if not value:
        errors.append(_("consent date: required (for example 2025-03-31)."))
        return None
    try:
        moment = datetime.fromisoformat(value) if ("T" in value or " " in value) else None
        if moment is None:
            moment = datetime.combine(date.fromisoformat(value), time(12, 0))
    except ValueError:
        errors.append(_("consent date: “%(value)s” is not a date like 2025-03-31.") % {"value": value[:40]})
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment.date() > timezone.localdate():
        errors.append(_("consent date: %(value)s is in the future.") % {"value": value[:40]})
        return None
    return moment


def _check_row(
    number: int, row: dict[str, str], *, newsletter: Newsletter, lookups: _Lookups, seen: dict[str, int]
) -> ImportRow:
    raw_email = row.get("email", "")
    email = normalise_email(raw_email)
    result = ImportRow(number=number, email=raw_email.strip()[:254])
    errors = result.errors
    if row.get("__extra__"):
        errors.append(_("The row has more cells than the header has columns (a missing quote around a comma?)."))

    if not email:
        errors.append(_("email: required."))
    else:
        try:
            if has_control_characters(raw_email.strip()) or len(email) > 254:
                raise ValidationError("bad")
            validate_email(email)
        except ValidationError:
            errors.append(_("email: “%(value)s” is not a valid email address.") % {"value": raw_email.strip()[:80]})
            email = ""
    if email and email in seen:
        errors.append(_("email: the same address is on row %(row)s.") % {"row": seen[email]})
    elif email:
        seen[email] = number

    name = unicodedata.normalize("NFC", row.get("name", "")).strip()
    if has_control_characters(name):
        errors.append(_("name: contains a line break or another control character."))
    elif len(" ".join(name.split())) > 150:
        errors.append(_("name: %(count)s characters; at most 150.") % {"count": len(name)})

    municipality = province = None
    code = row.get("municipality code", "").strip().upper()
    if code:
        municipality = lookups.municipalities.get(code)
        if municipality is None:
            errors.append(_("municipality code: no municipality “%(code)s”.") % {"code": code[:20]})
        else:
            province = municipality.province
    code = row.get("province code", "").strip().upper()
    if code:
        given = lookups.provinces.get(code)
        if given is None:
            errors.append(_("province code: no province “%(code)s”.") % {"code": code[:20]})
        elif province is not None and given != province:
            errors.append(
                _("province code: %(municipality)s is in %(province)s, not %(code)s.")
                % {"municipality": municipality.name, "province": province.name, "code": code[:20]}
            )
        else:
            province = given

    function = ""
    raw = row.get("function", "").strip()
    if raw:
        function = lookups.functions.get(raw) or lookups.functions.get(raw.casefold(), "")
        if not function:
            errors.append(_("function: “%(value)s” is not one of the functions.") % {"value": raw[:40]})

    language = newsletter.language
    raw = row.get("language", "").strip()
    if raw:
        language = lookups.languages.get(raw) or lookups.languages.get(raw.casefold(), "")
        if not language:
            errors.append(_("language: “%(value)s” is not one of the official languages.") % {"value": raw[:40]})

    basis = " ".join(row.get("consent basis", "").split())  # line breaks inside the cell become spaces
    if not basis:
        errors.append(_("consent basis: required. Say how this person agreed to receive the newsletter."))
    elif has_control_characters(basis) or len(basis) > 200:
        errors.append(_("consent basis: at most 200 characters of plain text."))
    given_at = _consent_date(row.get("consent date", ""), errors)

    if errors:
        return result
    result.values = {
        "email": email,
        "name": " ".join(name.split()),
        "municipality": municipality,
        "province": province,
        "function": function,
        "language": language,
        "basis": basis,
        "given_at": given_at,
    }
    subscription = lookups.subscriptions.get(email)
    if email_hash(email) in lookups.suppressed:
        result.outcome = Outcome.SUPPRESSED
    elif subscription is None:
        result.outcome = Outcome.SUBSCRIBE
    elif subscription.status == Subscription.Status.SUBSCRIBED:
        result.outcome = Outcome.ALREADY_SUBSCRIBED
    elif subscription.status == Subscription.Status.PENDING:
        result.outcome = Outcome.CONFIRM_PENDING
    else:
        result.outcome = Outcome.LEFT_EARLIER
    return result


def check_import(*, newsletter: Newsletter, rows: list[dict[str, str]], lock: bool = False) -> tuple[ImportReport, _Lookups]:
    """Check every row; writes nothing."""
    emails = sorted({normalise_email(row.get("email", "")) for row in rows} - {""})
    lookups = _Lookups(newsletter=newsletter, emails=emails, lock=lock)
    seen: dict[str, int] = {}
    report = ImportReport(
        rows=[
            _check_row(number, row, newsletter=newsletter, lookups=lookups, seen=seen)
            for number, row in enumerate(rows, start=2)
        ]
    )
    return report, lookups


def import_subscribers(
    *, newsletter: Newsletter, text: str, source_name: str, acting_user: Any, dry_run: bool = False
) -> ImportReport:
    """Import a CSV of subscribers with their recorded consent into `newsletter`: all or nothing. Each added row gets
    a subscribed subscription and a ConsentRecord(method=import) with the consent basis as its wording and the file,
    row and importer as its source (confirmed_at stays empty: nobody confirmed by email). New subscribers are created;
    existing ones keep their details, gaining only those they lacked. Suppressed addresses and people who left the
    newsletter are reported and not added. Writes an audit entry. Raises ImportFileError for an unusable file."""
    rows = read_csv(text)
    if not rows:
        raise ImportFileError(_("The file has a header but no rows."))
    try:
        with transaction.atomic():
            report, lookups = check_import(newsletter=newsletter, rows=rows, lock=True)
            if not report.is_valid or dry_run:
                return report
            _write(newsletter=newsletter, report=report, lookups=lookups, source_name=source_name,
                   acting_user=acting_user)
            record_audit(
                actor=acting_user,
                action=ACTION_IMPORTED,
                target=newsletter,
                summary=_("%(added)s subscribers imported into %(newsletter)s from %(file)s (%(rows)s rows)")
                % {"added": report.added_count, "newsletter": newsletter.name, "file": source_name[:100],
                   "rows": len(report.rows)},
            )
            report.imported = True
            return report
    except IntegrityError as error:
        # Someone signed up with one of these addresses while the file was being imported.
        raise ImportFileError(_("The subscribers changed while importing. Nothing was imported; try again.")) from error


def _write(
    *, newsletter: Newsletter, report: ImportReport, lookups: _Lookups, source_name: str, acting_user: Any
) -> None:
    now = timezone.now()
    added = [row for row in report.rows if row.outcome in ADDED]
    new_subscribers = []
    changed_subscribers: dict[int, Subscriber] = {}
    changed_fields: set[str] = set()
    for row in added:
        values = row.values
        details = {key: values[key] for key in ("name", "municipality", "province", "function")}
        subscriber = lookups.subscribers.get(values["email"])
        if subscriber is None:
            subscriber = Subscriber(email=values["email"], language=values["language"], **details)
            lookups.subscribers[values["email"]] = subscriber
            new_subscribers.append(subscriber)
            continue
        for name, value in details.items():
            if value not in (None, "") and getattr(subscriber, name) in (None, ""):
                setattr(subscriber, name, value)
                changed_fields.add(name)
                changed_subscribers[subscriber.pk] = subscriber
    Subscriber.objects.bulk_create(new_subscribers, batch_size=1000)
    if changed_subscribers:
        Subscriber.objects.bulk_update(list(changed_subscribers.values()), sorted(changed_fields), batch_size=1000)

    new_subscriptions = []
    pending_ids = []
    for row in added:
        subscriber = lookups.subscribers[row.values["email"]]
        if row.outcome == Outcome.CONFIRM_PENDING:
            pending_ids.append(lookups.subscriptions[row.values["email"]].pk)
        else:
            subscription = Subscription(
                subscriber=subscriber, newsletter=newsletter, status=Subscription.Status.SUBSCRIBED,
                subscribed_at=now,
            )
            lookups.subscriptions[row.values["email"]] = subscription
            new_subscriptions.append(subscription)
    Subscription.objects.bulk_create(new_subscriptions, batch_size=1000)
    Subscription.objects.filter(pk__in=pending_ids, status=Subscription.Status.PENDING).update(
        status=Subscription.Status.SUBSCRIBED, subscribed_at=now, unsubscribed_at=None
    )
    importer = f"{acting_user.display_name} <{acting_user.email}>" if getattr(acting_user, "pk", None) else ""
    ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                subscription=lookups.subscriptions[row.values["email"]],
                method=ConsentRecord.Method.IMPORT,
                wording=row.values["basis"],
                given_at=row.values["given_at"],
                confirmed_at=None,
                source=(
                    _("Imported from %(file)s, row %(row)s, by %(importer)s")
                    % {"file": source_name[:80], "row": row.number, "importer": importer[:120]}
                )[:300],
                recorded_by=acting_user if getattr(acting_user, "pk", None) else None,
            )
            for row in added
        ],
        batch_size=1000,
    )


# --- Export -----------------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_subscribers_csv(*, newsletter: Newsletter, acting_user: Any) -> Iterator[str]:
    """Every subscription of `newsletter` (whatever its status) as CSV lines: the subscriber's details, the status
    and its dates, and the newest consent record (method, wording, given, confirmed, source). Cells that a
    spreadsheet would run as formulas are neutralised. Records an audit entry (personal data leaves the hub) at
    once; the lines are produced lazily, in chunks, so a large list streams."""
    record_audit(
        actor=acting_user,
        action=ACTION_EXPORTED,
        target=newsletter,
        summary=_("Subscribers of %(newsletter)s exported") % {"newsletter": newsletter.name},
    )
    return _export_lines(newsletter)


def _export_lines(newsletter: Newsletter) -> Iterator[str]:
    from django.db.models import Prefetch

    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
    subscriptions = (
        Subscription.objects.filter(newsletter=newsletter)
        .select_related("subscriber__municipality", "subscriber__province")
        .prefetch_related(Prefetch("consents", queryset=ConsentRecord.objects.order_by("-given_at", "-pk")))
        .order_by("subscriber__email")
    )
    for subscription in subscriptions.iterator(chunk_size=1000):
        subscriber = subscription.subscriber
        consents = list(subscription.consents.all())
        consent = consents[0] if consents else None
        yield writer.writerow(
            [
                csv_safe(value)  # text, never a formula (CSV injection)
                for value in (
                    subscriber.email,
                    subscriber.name,
                    subscriber.municipality.code if subscriber.municipality else "",
                    subscriber.province.code if subscriber.province else "",
                    subscriber.function,
                    subscriber.language,
                    subscription.status,
                    _iso(subscription.subscribed_at),
                    _iso(subscription.unsubscribed_at),
                    consent.method if consent else "",
                    consent.wording if consent else "",
                    _iso(consent.given_at) if consent else "",
                    _iso(consent.confirmed_at) if consent else "",
                    consent.source if consent else "",
                )
            ]
        )
