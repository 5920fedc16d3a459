"""Demo content for the resource centre (run by `manage.py seed_demo` after the hub's own demo): the two-level topic
taxonomy, about 70 published resources across every type, topic, province and official language (some for members
only, some SALGA-internal, a few superseded, some past their review date), four collections, and three items waiting
in the review queue.

Every file is a small, real document generated here (PDF with fpdf2, Word .docx written as OOXML with zipfile, CSV
for data sets) and stored through the same service as an upload (resources.services.files.add_file_version, called
by resources.services.publishing.create_resource), so its text is extracted and searchable: search the demo for
"pressure logger" or "sweep of dormant accounts" and the match is inside a file. Extraction runs synchronously here
(the worker may repeat it harmlessly) and the search vectors are refreshed at the end.

Idempotent: topics, resources and collections are matched by slug; an existing resource is left as it is (its files
are only added if it has none).
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from time import monotonic
from typing import Any
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from hub.models import Municipality, Organisation, Profile, Province, User
from resources.demo_content import COLLECTIONS, RESOURCES, SUBMITTED, TOPICS, DemoResource
from resources.models import Collection, FileVersion, Resource, ResourceFile, Topic

PUBLISHER_EMAIL = "reviewer@demo.lgkh.org.za"
DEJAVU_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
TRANSLATIONS = [("ward-committee-handbook", "ward-committee-handbook-isixhosa")]
RELATED = [
    ("non-revenue-water-reduction-toolkit", "case-study-cape-town-day-zero-demand-management"),
    ("revenue-enhancement-toolkit", "case-study-umhlathuze-revenue-data-cleansing"),
    ("social-and-labour-plans-guide", "rustenburg-mining-town-case-study"),
    ("ssg-embedded-generation-rules-guide", "case-study-jb-marks-smart-meters"),
]


# --- Files -----------------------------------------------------------------------------------------------------------


PUNCTUATION = {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "..."}


def _needs_unicode_font(texts: list[str]) -> bool:
    """True when some text has a letter outside Latin-1 (for example "ḓ" in Tshivenḓa)."""
    for text in texts:
        for character in text:
            if character not in PUNCTUATION and ord(character) > 255:
                return True
    return False


def _latin1(text: str) -> str:
    # Core PDF fonts cover Latin-1 only: fold anything else ("Tshivenḓa" -> "Tshivenda"), keep "Khâi-Ma".
    import unicodedata

    text = "".join(PUNCTUATION.get(character, character) for character in text)
    folded = []
    for character in text:
        try:
            character.encode("latin-1")
            folded.append(character)
        except UnicodeEncodeError:
            folded.append(
                unicodedata.normalize("NFKD", character).encode("latin-1", "ignore").decode("latin-1")
            )
    return "".join(folded)


def make_pdf(
    *, title: str, subtitle: str, paragraphs: list[str], published: date, slides: bool = False
) -> bytes:
    """A small, real PDF with a text layer: the title, a subtitle and one paragraph each (one page per paragraph for
    presentations). The core Helvetica font covers Latin-1 (English, Afrikaans, "Khâi-Ma"); text with other letters
    ("Tshivenḓa") uses DejaVu Sans when it is installed (embedding a font is slower, so only then), else is folded."""
    from fpdf import FPDF

    pdf = FPDF(orientation="L" if slides else "P", format="A4")
    pdf.set_creation_date(datetime.combine(published, time(9, 0), tzinfo=timezone.get_fixed_timezone(120)))
    pdf.set_title(title)
    pdf.set_author("LG Knowledge Hub demo")
    pdf.set_margins(20, 20, 20)
    regular = DEJAVU_DIRECTORY / "DejaVuSans.ttf"
    bold = DEJAVU_DIRECTORY / "DejaVuSans-Bold.ttf"
    if _needs_unicode_font([title, subtitle, *paragraphs]) and regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        family, clean = "DejaVu", (lambda text: text)
    else:
        family, clean = "Helvetica", _latin1
    pdf.add_page()
    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 9, clean(title))
    pdf.ln(2)
    pdf.set_font(family, "", 11)
    pdf.set_text_color(80, 80, 80)
    pdf.multi_cell(0, 6, clean(subtitle))
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    for index, paragraph in enumerate(paragraphs):
        if slides and index:
            pdf.add_page()
        pdf.set_font(family, "", 16 if slides else 11)
        pdf.multi_cell(0, 9 if slides else 6, clean(paragraph))
        pdf.ln(3)
    pdf.set_y(-25)
    pdf.set_font(family, "", 8)
    pdf.set_text_color(110, 110, 110)
    pdf.cell(0, 5, clean("LG Knowledge Hub demo document. Illustrative content, not official guidance."))
    return bytes(pdf.output())


def make_docx(*, title: str, subtitle: str, paragraphs: list[str]) -> bytes:
    """A minimal, valid Word document (Office Open XML): [Content_Types].xml, _rels/.rels and word/document.xml with
    a bold title and one paragraph per item."""

    def paragraph(text: str, *, bold: bool = False, size: int | None = None) -> str:
        properties = ""
        if bold or size:
            properties = (
                "<w:rPr>"
                + ("<w:b/>" if bold else "")
                + (f'<w:sz w:val="{size}"/>' if size else "")
                + "</w:rPr>"
            )
        return f'<w:p><w:r>{properties}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'

    body = paragraph(title, bold=True, size=36) + paragraph(subtitle, size=22)
    body += "".join(paragraph(text) for text in paragraphs)
    body += paragraph("LG Knowledge Hub demo document. Illustrative content, not official guidance.", size=16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>",
        )
    return buffer.getvalue()


def make_csv(item: DemoResource) -> bytes:
    """A small data set for a demo "data set" resource (deterministic: seeded by the slug)."""
    generator = random.Random(item.slug)
    output = io.StringIO()
    writer = csv.writer(output)
    if "township" in item.slug:
        writer.writerow(["metro", "sector", "employees", "turnover_band", "registered", "bank_account"])
        for _ in range(60):
            writer.writerow(
                [
                    generator.choice(["Johannesburg", "Tshwane", "eThekwini", "Nelson Mandela Bay"]),
                    generator.choice(
                        ["spaza shop", "hair salon", "tavern", "motor repairs", "catering", "clothing"]
                    ),
                    generator.randint(1, 12),
                    generator.choice(
                        ["under R5,000 a month", "R5,000-R20,000 a month", "over R20,000 a month"]
                    ),
                    generator.choice(["yes", "no"]),
                    generator.choice(["yes", "no"]),
                ]
            )
    elif "salary" in item.slug or "benchmarking" in item.slug:
        writer.writerow(["municipal_category", "post", "median_total_package_rand", "upper_limit_rand"])
        for category in ["A", "B1", "B2", "B3", "B4", "C1", "C2"]:
            for post in ["municipal manager", "chief financial officer", "director: technical services"]:
                limit = generator.randint(1_100_000, 2_600_000)
                writer.writerow([category, post, int(limit * generator.uniform(0.82, 1.0)), limit])
    else:
        writer.writerow(["municipality", "question", "average_score_out_of_5", "respondents"])
        for municipality in [
            "Emfuleni",
            "Mogale City",
            "Emalahleni",
            "City of Mbombela",
            "Polokwane",
            "Thulamela",
            "Greater Giyani",
            "Rustenburg",
            "Madibeng",
            "JB Marks",
            "Govan Mbeki",
            "Mogalakwena",
        ]:
            for question in ["water", "electricity", "refuse removal", "roads", "communication", "trust"]:
                writer.writerow(
                    [
                        municipality,
                        question,
                        round(generator.uniform(1.6, 4.2), 1),
                        generator.randint(180, 640),
                    ]
                )
    return output.getvalue().encode("utf-8")


def _files_for(item: DemoResource, published: date) -> list[tuple[ContentFile, None, str]]:
    subtitle = item.summary
    text = item.paragraphs + item.file_only
    name = item.slug[:60]
    files: list[tuple[ContentFile, None, str]] = []
    for kind in item.files:
        if kind == "pdf":
            content = make_pdf(
                title=item.title,
                subtitle=subtitle,
                paragraphs=text,
                published=published,
                slides=item.resource_type == "presentation",
            )
            label = "Slides (PDF)" if item.resource_type == "presentation" else "Document (PDF)"
            files.append((ContentFile(content, name=f"{name}.pdf"), None, label))
        elif kind == "docx":
            content = make_docx(title=item.title, subtitle=subtitle, paragraphs=text)
            label = "Template (Word)" if item.resource_type == "template" else "Editable version (Word)"
            files.append((ContentFile(content, name=f"{name}.docx"), None, label))
        elif kind == "csv":
            files.append((ContentFile(make_csv(item), name=f"{name}.csv"), None, "Data (CSV)"))
    if item.resource_type == "recording" and not files:
        content = make_pdf(
            title=f"Transcript: {item.title}", subtitle=subtitle, paragraphs=text, published=published
        )
        files.append((ContentFile(content, name=f"{name}-transcript.pdf"), None, "Transcript (PDF)"))
    return files


# --- Seeding --------------------------------------------------------------------------------------------------------


def seed_topics() -> dict[str, Topic]:
    """The two-level taxonomy (themes and their sub-topics), matched by slug. Returns every topic by slug."""
    topics: dict[str, Topic] = {}
    for position, (name, slug, description, children) in enumerate(TOPICS):
        theme, _ = Topic.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "description": description, "parent": None, "position": position},
        )
        topics[slug] = theme
        for child_position, (child_name, child_slug) in enumerate(children):
            topics[child_slug], _ = Topic.objects.update_or_create(
                slug=child_slug, defaults={"name": child_name, "parent": theme, "position": child_position}
            )
    return topics


def _organisation(reference: str) -> Organisation:
    if reference == "SALGA":
        return Organisation.objects.get(kind="salga", is_national_office=True)
    if reference.startswith("SALGA:"):
        return Organisation.objects.get(kind="salga", is_national_office=False, province__code=reference[6:])
    return Organisation.objects.get(municipality__code=reference)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


def _data_for(item: DemoResource, topics: dict[str, Topic]) -> dict[str, Any]:
    return {
        "title": item.title,
        "summary": item.summary,
        "body": "\n\n".join(item.paragraphs),
        "resource_type": item.resource_type,
        "languages": list(item.languages),
        "is_national": item.national,
        "organisation": _organisation(item.organisation),
        "author_names": item.authors,
        "publication_date": date.fromisoformat(item.published),
        "licence": item.licence,
        "external_url": item.external_url,
        "visibility": item.visibility,
        "review_by": date.fromisoformat(item.review_by) if item.review_by else None,
        "topics": [topics[slug] for slug in item.topics],
        "provinces": list(Province.objects.filter(code__in=item.provinces)),
        "municipalities": list(Municipality.objects.filter(code__in=item.municipalities)),
        "tags": list(item.tags),
    }


def _extract_pending(resource_ids: list[int]) -> None:
    """Run text extraction now for versions still waiting (the seed does not wait for the worker). The demo's files
    were generated just now by this module, so they are parsed in this process (the sandboxed child process that
    protects the worker from hostile uploads costs a fork per file); the outcome is recorded by the same service
    the background task uses, which refreshes the search vector. Anything unexpected goes the normal way."""
    from resources.extraction import extract_text_unsandboxed, limits
    from resources.services.files import extract_version_text, record_extraction

    pending = FileVersion.objects.filter(
        file__resource_id__in=resource_ids, extraction_status=FileVersion.Extraction.PENDING
    )
    max_chars = limits()["max_chars"]
    for version in list(pending):
        try:
            path = version.stored_file.path
            text = extract_text_unsandboxed(
                path, version.extension, max_chars=max_chars, deadline=monotonic() + 30
            )
        except Exception:  # noqa: BLE001 - remote storage or a parser problem: use the sandboxed service
            extract_version_text(version_id=version.pk)
            continue
        record_extraction(version_id=version.pk, text=text)


def _seed_resource(
    item: DemoResource, *, topics: dict[str, Topic], publisher: User, users: dict[str, User]
) -> tuple[Resource, bool]:
    from resources.services.files import add_file_version
    from resources.services.publishing import create_resource

    published = date.fromisoformat(item.published)
    resource = Resource.objects.filter(slug=item.slug).first()
    created = resource is None
    with transaction.atomic():
        if resource is None:
            # Published directly by the demo reviewer (no review emails), then attributed to its real uploader.
            resource = create_resource(
                acting_user=publisher,
                data=_data_for(item, topics),
                files=_files_for(item, published),
                submit=False,
                publish_now=True,
            )
            if resource.slug != item.slug:
                Resource.objects.filter(pk=resource.pk).update(slug=item.slug)
        elif not resource.files.exists() and item.files:
            for uploaded, _, title in _files_for(item, published):
                add_file_version(
                    resource=resource, uploaded_file=uploaded, title=title, acting_user=publisher
                )
        uploader = users.get(item.uploader, publisher)
        if created:
            Resource.objects.filter(pk=resource.pk).update(
                created_by=uploader,
                created_at=_aware(published),
                submitted_at=_aware(published),
                published_at=_aware(published),
                download_count=item.downloads,
            )
            FileVersion.objects.filter(file__resource=resource).update(
                uploaded_by=uploader, created_at=_aware(published)
            )
            ResourceFile.objects.filter(resource=resource).update(created_at=_aware(published))
            first_file = resource.files.order_by("position", "pk").first()
            if first_file is not None:
                ResourceFile.objects.filter(pk=first_file.pk).update(download_count=item.downloads)
    resource.refresh_from_db()
    return resource, created


def _seed_links(by_slug: dict[str, Resource]) -> None:
    for item in RESOURCES:
        if item.superseded_by and item.slug in by_slug and item.superseded_by in by_slug:
            Resource.objects.filter(pk=by_slug[item.slug].pk).update(
                superseded_by=by_slug[item.superseded_by]
            )
    for first, second in TRANSLATIONS:
        if first in by_slug and second in by_slug:
            by_slug[first].translations.add(by_slug[second])
    for first, second in RELATED:
        if first in by_slug and second in by_slug:
            by_slug[first].related.add(by_slug[second])


def _seed_collections(by_slug: dict[str, Resource]) -> int:
    from resources.services.collections import add_collection_item, create_collection

    created = 0
    for slug, title, introduction, featured, items in COLLECTIONS:
        collection = Collection.objects.filter(slug=slug).first()
        if collection is None:
            collection = create_collection(
                title=title, slug=slug, introduction=introduction, is_featured=featured, acting_user=None
            )
            created += 1
        for resource_slug, note in items:
            if resource_slug in by_slug:
                add_collection_item(
                    collection=collection, resource=by_slug[resource_slug], note=note, acting_user=None
                )
    return created


# The demo member's library: (email, saved resource slugs, [(saved search query string, name, weekly email)])
LIBRARIES = [
    (
        "member@demo.lgkh.org.za",
        [
            "ward-committee-handbook",
            "municipal-staff-regulations-practical-guide",
            "workplace-skills-plan-template",
            "revenue-enhancement-toolkit",
            "cybersecurity-incident-response-playbook",
        ],
        [
            ("q=ward+committee", "Ward committees", True),
            ("province=NC&type=case_study", "Case studies from the Northern Cape", False),
        ],
    ),
    (
        "official@demo.lgkh.org.za",
        [
            "informal-trading-by-law-toolkit",
            "case-study-msunduzi-township-market",
            "led-strategy-review-guide",
        ],
        [("q=informal+trade", "Informal trade", True)],
    ),
]


def _seed_libraries(by_slug: dict[str, Resource], users: dict[str, User]) -> None:
    """Saved resources and saved searches for two demo log-ins (idempotent: the services never duplicate)."""
    from resources.services.library import save_resource, save_search

    for email, slugs, searches in LIBRARIES:
        user = users.get(email)
        if user is None:
            continue
        for slug in slugs:
            if slug in by_slug:
                save_resource(user=user, resource=by_slug[slug])
        for query_string, name, weekly in searches:
            save_search(user=user, query_string=query_string, name=name, email_digest=weekly)


def _seed_submitted(topics: dict[str, Topic], users: dict[str, User]) -> int:
    """A few items waiting in the review queue (submitted by members; reviewers are emailed as usual)."""
    from resources.services.publishing import create_resource

    created = 0
    for slug, title, resource_type, topic_slugs, summary, paragraphs, uploader_email in SUBMITTED:
        uploader = users.get(uploader_email)
        if uploader is None or Resource.objects.filter(slug=slug).exists():
            continue
        item = DemoResource(
            slug=slug,
            title=title,
            resource_type=resource_type,
            topics=topic_slugs,
            summary=summary,
            paragraphs=paragraphs,
            published=timezone.localdate().isoformat(),
        )
        profile = Profile.objects.filter(user=uploader).select_related("organisation").first()
        organisation = profile.organisation if profile is not None else None
        data = _data_for(item, topics)
        data["organisation"] = organisation
        data["publication_date"] = None
        with transaction.atomic():
            resource = create_resource(
                acting_user=uploader, data=data, files=_files_for(item, timezone.localdate()), submit=True
            )
            if resource.slug != slug:
                Resource.objects.filter(pk=resource.pk).update(slug=slug)
        created += 1
    return created


def seed_resources_demo(stdout: Any = None) -> list[tuple[str, str]]:
    """Create (or complete) the resource centre's demo content. Needs the hub's demo people (seed_hub_demo runs
    first). Returns no new log-ins: the hub's demo accounts are the uploaders and reviewers."""
    from resources.services.search import refresh_search_vocabulary, update_search_vectors

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    topics = seed_topics()
    emails = {item.uploader for item in RESOURCES} | {entry[6] for entry in SUBMITTED} | {PUBLISHER_EMAIL}
    emails |= {email for email, _, _ in LIBRARIES}
    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    publisher = users.get(PUBLISHER_EMAIL)
    if publisher is None:
        say("Resource centre demo skipped: the hub's demo reviewer account does not exist (run seed_demo).")
        return []

    by_slug: dict[str, Resource] = {}
    new = 0
    for item in RESOURCES:
        resource, created = _seed_resource(item, topics=topics, publisher=publisher, users=users)
        by_slug[item.slug] = resource
        new += int(created)
    _seed_links(by_slug)
    submitted = _seed_submitted(topics, users)
    collections = _seed_collections(by_slug)
    _seed_libraries(by_slug, users)

    demo_ids = list(
        Resource.objects.filter(slug__in=[*by_slug, *(entry[0] for entry in SUBMITTED)]).values_list(
            "pk", flat=True
        )
    )
    _extract_pending(demo_ids)
    update_search_vectors(resource_ids=demo_ids)
    refresh_search_vocabulary()  # "did you mean" words, now rather than when the worker gets to it
    say(
        f"Resource centre: {len(topics)} topics, {len(by_slug)} published resources ({new} new), "
        f"{submitted} new items in the review queue, {len(COLLECTIONS)} collections ({collections} new)."
    )
    return []
