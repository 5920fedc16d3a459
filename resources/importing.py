"""Bulk import of an existing archive of knowledge products from a CSV file and a folder of files
(`manage.py import_resources <csv> --files <dir> [--dry-run]`).

Every row is checked first, files included (by their bytes, with the same checks as an upload); the report says,
row by row, what will be imported or what is wrong. If any row is wrong nothing is imported. Otherwise all rows are
imported in one transaction through the same services as an upload (resources.services.publishing.create_resource,
which stores files with add_file_version), so a failure half-way leaves nothing behind, not even stored files. Text
extraction of the files is queued for the background worker as for any upload.

Columns (UTF-8 CSV with a header row; lists separated by ";"; only title, summary and type are required):

    title            the title (at most 250 characters)
    summary          one or two sentences (at most 500 characters)
    type             guide, toolkit, policy_brief, legal_brief, research_report, case_study, template, presentation,
                     data_set, journal_article, recording, link (or the label, e.g. "Case study / good practice")
    body             a longer description in Markdown
    topics           topic slugs or names, e.g. "non-revenue-water; Audit outcomes"
    tags             free tags, e.g. "billing; indigent"
    languages        language codes or names, e.g. "en; zu" or "English; isiZulu" (default: en)
    national         yes/no: national coverage
    provinces        province codes, e.g. "WC; NC"
    municipalities   municipality codes, e.g. "CPT; NC067"
    organisation     contributing organisation: a municipality code (CPT), SALGA, SALGA:<province code> or the
                     organisation's exact name
    authors          authors' names, comma-separated
    publication_date YYYY-MM-DD
    licence          cc-by-4.0, cc-by-sa-4.0, cc-by-nc-4.0, public-domain, all-rights-reserved (default cc-by-4.0)
    visibility       public, members, internal (default public)
    status           published (default) or draft
    review_by        YYYY-MM-DD: when the item should be checked for currency
    external_url     a link (for type "link" or recordings)
    files            file names inside the --files folder, e.g. "toolkit.pdf; template.docx"
    file_titles      a title for each file, in the same order, e.g. "Toolkit (PDF); Template (Word)"
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from hub.models import Language, Municipality, Organisation, Province
from hub.services.audit import record_audit
from resources.models import FileVersion, Resource, ReviewEvent, Topic

COLUMNS = (
    "title",
    "summary",
    "type",
    "body",
    "topics",
    "tags",
    "languages",
    "national",
    "provinces",
    "municipalities",
    "organisation",
    "authors",
    "publication_date",
    "licence",
    "visibility",
    "status",
    "review_by",
    "external_url",
    "files",
    "file_titles",
)
REQUIRED_COLUMNS = ("title", "summary", "type")
ACTION_IMPORTED = "resource.imported"
MAX_ROWS = 20_000
YES = {"yes", "y", "true", "1", "ja"}
NO = {"", "no", "n", "false", "0", "nee"}


class ImportFileError(Exception):
    """The CSV itself cannot be read (missing, not UTF-8, no header, unknown columns)."""


@dataclass
class RowResult:
    number: int  # the line's row number in the CSV, the header being row 1
    title: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[Path, str]] = field(default_factory=list)  # (path, slot title)
    status: str = Resource.Status.PUBLISHED

    @property
    def is_valid(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[RowResult]
    imported: list[Resource] = field(default_factory=list)

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _clean_text(value: str) -> str:
    # Control characters (other than newlines in the body) never belong in metadata.
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value or "").strip()


class _Lookups:
    """Reference data loaded once for the whole file (a fixed number of queries, whatever the number of rows)."""

    def __init__(self) -> None:
        self.topics_by_slug = {topic.slug: topic for topic in Topic.objects.all()}
        self.topics_by_name: dict[str, list[Topic]] = {}
        for topic in self.topics_by_slug.values():
            self.topics_by_name.setdefault(topic.name.casefold(), []).append(topic)
        self.provinces = {province.code: province for province in Province.objects.all()}
        self.municipalities = {municipality.code: municipality for municipality in Municipality.objects.all()}
        self.organisations = list(Organisation.objects.select_related("municipality", "province"))
        self.types = {value: value for value in Resource.ResourceType.values}
        self.types.update({str(label).casefold(): value for value, label in Resource.ResourceType.choices})
        self.languages = {value: value for value in Language.values}
        self.languages.update({str(label).casefold(): value for value, label in Language.choices})
        self.existing_slugs: set[str] = set()

    def organisation(self, reference: str) -> Organisation | None:
        reference = reference.strip()
        upper = reference.upper()
        for organisation in self.organisations:
            if upper == "SALGA" and organisation.kind == "salga" and organisation.is_national_office:
                return organisation
            if (
                upper.startswith("SALGA:")
                and organisation.kind == "salga"
                and not organisation.is_national_office
                and organisation.province
                and organisation.province.code == upper[6:]
            ):
                return organisation
            if organisation.municipality and organisation.municipality.code == upper:
                return organisation
        matches = [
            organisation
            for organisation in self.organisations
            if organisation.name.casefold() == reference.casefold()
        ]
        return matches[0] if len(matches) == 1 else None


def read_rows(csv_path: Path) -> list[dict[str, str]]:
    """The CSV's rows as dicts (column -> text). Raises ImportFileError for a file that cannot be used at all."""
    try:
        with csv_path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip().lower() for name in (reader.fieldnames or [])]
            if not header:
                raise ImportFileError("The CSV file is empty: it needs a header row naming its columns.")
            unknown = [name for name in header if name not in COLUMNS]
            if unknown:
                raise ImportFileError(
                    f"Unknown column(s): {', '.join(unknown)}. Known columns: {', '.join(COLUMNS)}."
                )
            missing = [name for name in REQUIRED_COLUMNS if name not in header]
            if missing:
                raise ImportFileError(f"Missing required column(s): {', '.join(missing)}.")
            reader.fieldnames = header
            rows = []
            for row in reader:
                if len(rows) >= MAX_ROWS:
                    raise ImportFileError(f"More than {MAX_ROWS} rows: split the file.")
                if None in row:
                    row["__extra__"] = "yes"  # more cells than columns
                    row.pop(None)
                rows.append({key: (value or "") for key, value in row.items()})
            return rows
    except FileNotFoundError as error:
        raise ImportFileError(f"No such file: {csv_path}") from error
    except UnicodeDecodeError as error:
        raise ImportFileError("The CSV file is not UTF-8. Save it as “CSV UTF-8” and try again.") from error
    except csv.Error as error:
        raise ImportFileError(f"The CSV file could not be read: {error}") from error


def _date(value: str, column: str, errors: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{column}: “{value[:40]}” is not a date like 2025-03-31.")
        return None


def check_row(
    number: int, row: dict[str, str], *, files_dir: Path | None, lookups: _Lookups, seen_titles: set[str]
) -> RowResult:
    """Check one row and build the data create_resource needs. Nothing is written."""
    from resources.validation import FileRejected, check_uploaded_file

    title = " ".join(_clean_text(row.get("title", "")).split())
    result = RowResult(number=number, title=title)
    errors = result.errors
    if row.get("__extra__"):
        errors.append("The row has more cells than the header has columns (a missing quote around a comma?).")

    if not title:
        errors.append("title: required.")
    elif len(title) > 250:
        errors.append(f"title: {len(title)} characters; at most 250.")
    elif title.casefold() in seen_titles:
        errors.append("title: the same title appears on an earlier row.")
    seen_titles.add(title.casefold())

    summary = " ".join(_clean_text(row.get("summary", "")).split())
    if not summary:
        errors.append("summary: required.")
    elif len(summary) > 500:
        errors.append(f"summary: {len(summary)} characters; at most 500.")

    raw_type = row.get("type", "").strip()
    resource_type = lookups.types.get(raw_type) or lookups.types.get(raw_type.casefold())
    if not resource_type:
        errors.append(
            f"type: “{raw_type[:40]}” is not a type. Use one of: {', '.join(Resource.ResourceType.values)}."
        )

    topics = []
    for reference in _split(row.get("topics", "")):
        topic = lookups.topics_by_slug.get(reference)
        if topic is None:
            named = lookups.topics_by_name.get(reference.casefold(), [])
            if len(named) > 1:
                errors.append(f"topics: “{reference[:60]}” names more than one topic; use its slug.")
                continue
            topic = named[0] if named else None
        if topic is None:
            errors.append(f"topics: no topic “{reference[:60]}”.")
        else:
            topics.append(topic)

    languages = []
    for reference in _split(row.get("languages", "")) or ["en"]:
        code = lookups.languages.get(reference) or lookups.languages.get(reference.casefold())
        if code is None:
            errors.append(f"languages: “{reference[:40]}” is not one of the official languages.")
        elif code not in languages:
            languages.append(code)

    national_text = row.get("national", "").strip().casefold()
    if national_text not in YES | NO:
        errors.append(f"national: “{national_text[:20]}” should be yes or no.")

    provinces = []
    for code in _split(row.get("provinces", "")):
        province = lookups.provinces.get(code.upper())
        if province is None:
            errors.append(f"provinces: no province with code “{code[:10]}”.")
        else:
            provinces.append(province)
    municipalities = []
    for code in _split(row.get("municipalities", "")):
        municipality = lookups.municipalities.get(code.upper())
        if municipality is None:
            errors.append(f"municipalities: no municipality with code “{code[:10]}”.")
        else:
            municipalities.append(municipality)

    organisation = None
    if row.get("organisation", "").strip():
        organisation = lookups.organisation(row["organisation"])
        if organisation is None:
            errors.append(
                f"organisation: no organisation “{row['organisation'].strip()[:80]}” (use a municipality "
                "code, SALGA, SALGA:<province code> or the exact name)."
            )

    licence = row.get("licence", "").strip() or Resource.Licence.CC_BY
    if licence not in Resource.Licence.values:
        errors.append(f"licence: “{licence[:30]}” is not one of {', '.join(Resource.Licence.values)}.")
    visibility = row.get("visibility", "").strip().lower() or Resource.Visibility.PUBLIC
    if visibility not in Resource.Visibility.values:
        errors.append(f"visibility: “{visibility[:20]}” should be public, members or internal.")
    status = row.get("status", "").strip().lower() or Resource.Status.PUBLISHED
    if status not in {Resource.Status.PUBLISHED, Resource.Status.DRAFT}:
        errors.append(f"status: “{status[:20]}” should be published or draft.")
    result.status = status

    external_url = row.get("external_url", "").strip()
    if external_url:
        try:
            URLValidator(schemes=["http", "https"])(external_url)
        except ValidationError:
            errors.append(f"external_url: “{external_url[:80]}” is not a web address (http or https).")

    authors = " ".join(_clean_text(row.get("authors", "")).split())
    if len(authors) > 500:
        errors.append("authors: at most 500 characters.")

    file_names = _split(row.get("files", ""))
    file_titles = _split(row.get("file_titles", ""))
    if file_titles and len(file_titles) != len(file_names):
        errors.append(f"file_titles: {len(file_titles)} titles for {len(file_names)} files.")
    if file_names and files_dir is None:
        errors.append("files: the row names files but no --files folder was given.")
    elif file_names:
        root = files_dir.resolve()
        for index, name in enumerate(file_names):
            candidate = Path(name)
            path = (root / candidate).resolve()
            if (
                candidate.is_absolute()
                or ".." in candidate.parts
                or root not in path.parents
                or not path.is_file()
            ):
                errors.append(f"files: no file “{name[:80]}” in the files folder.")
                continue
            try:
                with path.open("rb") as handle:
                    checked = check_uploaded_file(File(handle, name=path.name), name=path.name)
            except FileRejected as rejection:
                errors.append(f"files: {' '.join(rejection.messages)}")
                continue
            if FileVersion.objects.filter(sha256=checked.sha256).exists():
                result.warnings.append(f"{path.name} is already in the library (same bytes); imported again.")
            slot_title = file_titles[index] if index < len(file_titles) else ""
            result.files.append((path, slot_title[:200]))

    result.data = {
        "title": title,
        "summary": summary,
        "body": _clean_text(row.get("body", "")).replace("\r\n", "\n"),
        "resource_type": resource_type or "",
        "languages": languages,
        "is_national": national_text in YES,
        "organisation": organisation,
        "author_names": authors,
        "publication_date": _date(row.get("publication_date", "").strip(), "publication_date", errors),
        "licence": licence,
        "external_url": external_url,
        "visibility": visibility,
        "review_by": _date(row.get("review_by", "").strip(), "review_by", errors),
        "topics": topics,
        "provinces": provinces,
        "municipalities": municipalities,
        "tags": [tag[:100] for tag in _split(_clean_text(row.get("tags", "")))],
    }
    return result


def check_file(csv_path: Path, *, files_dir: Path | None) -> ImportReport:
    """Read and check every row (nothing is written). Raises ImportFileError if the CSV cannot be used."""
    if files_dir is not None and not files_dir.is_dir():
        raise ImportFileError(f"The files folder {files_dir} does not exist.")
    rows = read_rows(csv_path)
    if not rows:
        raise ImportFileError("The CSV file has a header but no rows.")
    lookups = _Lookups()
    seen: set[str] = set()
    return ImportReport(
        rows=[
            check_row(index + 2, row, files_dir=files_dir, lookups=lookups, seen_titles=seen)
            for index, row in enumerate(rows)
        ]
    )


def import_checked(report: ImportReport, *, acting_user: Any, source_name: str) -> list[Resource]:
    """Create every row of a fully valid report in one transaction (all or nothing), through create_resource.
    Published rows are published as of their publication date (or now), with a review event and an audit entry
    ("resource.imported"). If anything fails, the transaction rolls back and the files stored so far are deleted."""
    from resources.services.publishing import create_resource

    if report.error_count:
        raise ValueError("Only a report without errors can be imported.")
    stored: list[str] = []
    created: list[Resource] = []
    now = timezone.now()
    try:
        with transaction.atomic():
            for row in report.rows:
                handles = [path.open("rb") for path, _ in row.files]
                try:
                    files = [
                        (File(handle, name=path.name), None, title)
                        for handle, (path, title) in zip(handles, row.files, strict=True)
                    ]
                    resource = create_resource(
                        acting_user=acting_user, data=row.data, files=files, submit=False
                    )
                finally:
                    for handle in handles:
                        handle.close()
                stored += list(
                    FileVersion.objects.filter(file__resource=resource).values_list("stored_file", flat=True)
                )
                if row.status == Resource.Status.PUBLISHED:
                    # An archive item is dated when it was first published, never in the future.
                    published_at = now
                    if row.data["publication_date"]:
                        published_at = min(
                            now,
                            timezone.make_aware(datetime.combine(row.data["publication_date"], time(9, 0))),
                        )
                    Resource.objects.filter(pk=resource.pk).update(
                        status=Resource.Status.PUBLISHED, submitted_at=published_at, published_at=published_at
                    )
                    ReviewEvent.objects.create(
                        resource=resource,
                        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
                        kind=ReviewEvent.Kind.PUBLISHED,
                        message=f"Imported from {source_name} (row {row.number}).",
                    )
                record_audit(
                    actor=acting_user,
                    action=ACTION_IMPORTED,
                    target=resource,
                    summary=f"Imported from {source_name} (row {row.number})"[:500],
                    after={
                        "status": row.status,
                        "visibility": row.data["visibility"],
                        "files": len(row.files),
                    },
                )
                created.append(resource)
    except BaseException:
        for name in stored:
            try:
                default_storage.delete(name)
            except Exception:  # noqa: BLE001 - best effort: the rows are gone either way
                pass
        raise
    report.imported = created
    return created
