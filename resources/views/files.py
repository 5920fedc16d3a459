"""File delivery: every download (and every cover image) goes through a permission check (never a public media URL).

Who may fetch a file: whoever may see its resource — `Resource.objects.visible_to(user)` for published items, and
the uploader and reviewers for unpublished ones (resources.permissions.can_download). Anyone else gets 404.

Responses are `Content-Disposition: attachment` with the sanitised original name (RFC 6266/5987 `filename*`),
`X-Content-Type-Options: nosniff` and the type recorded when the file was checked. The preview view serves PDFs and
images inline only, under a restrictive Content-Security-Policy.

settings.RESOURCES_FILE_DELIVERY chooses who sends the bytes:
- "django" (default): Django streams the file from the default storage (local disk or S3-compatible) in chunks.
- "x-accel-redirect": nginx sends it; the response carries `X-Accel-Redirect: <RESOURCES_X_ACCEL_PREFIX><name>`
  and nginx maps that prefix to MEDIA_ROOT in an `internal` location.
- "x-sendfile": Apache (mod_xsendfile) or lighttpd send it; the response carries `X-Sendfile: <absolute path>`.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.views.decorators.http import require_http_methods

from resources import permissions
from resources.models import FileVersion, Resource, ResourceFile
from resources.services.files import count_download
from resources.validation import PREVIEWABLE_EXTENSIONS, sanitise_filename

# Images: a sandboxed document that may show only itself. PDFs: Chromium will not start its PDF viewer inside a
# CSP-sandboxed document, so PDFs get the same lock-down without the `sandbox` keyword (their bytes were checked to
# be a real PDF, they are served as application/pdf with nosniff, and the viewer runs in its own process).
IMAGE_PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
PDF_PREVIEW_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; object-src 'self'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def content_disposition(disposition: str, filename: str) -> str:
    """`attachment; filename="ascii"; filename*=UTF-8''percent-encoded` with the name sanitised again (quotes,
    backslashes, control characters and path separators can never reach the header)."""
    name = sanitise_filename(filename, fallback="download")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(char if char.isprintable() and char not in '"\\;' else "_" for char in ascii_name).strip()
    if not ascii_name or ascii_name.startswith("."):
        ascii_name = "download" + (f".{name.rsplit('.', 1)[-1]}" if "." in name else "")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _allowed_file(request: HttpRequest, file_id: int) -> ResourceFile:
    resource_file = get_object_or_404(ResourceFile.objects.select_related("resource", "latest_version"), pk=file_id)
    if not permissions.can_download(request.user, resource_file):
        raise Http404
    return resource_file


def _send_stored(name: str, storage: Any, *, content_type: str, size: int | None = None) -> HttpResponseBase:
    """A response carrying a stored file's bytes, sent the way settings.RESOURCES_FILE_DELIVERY says."""
    mode = getattr(settings, "RESOURCES_FILE_DELIVERY", "django")
    if mode == "django":
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        return FileResponse(handle, content_type=content_type)
    if mode == "x-accel-redirect":
        prefix = getattr(settings, "RESOURCES_X_ACCEL_PREFIX", "/protected-media/")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = storage.path(name)
    else:
        raise ImproperlyConfigured(
            f"RESOURCES_FILE_DELIVERY must be 'django', 'x-accel-redirect' or 'x-sendfile', not {mode!r}"
        )
    if size is not None:
        response["Content-Length"] = str(size)
    return response


def _deliver(version: FileVersion, *, inline: bool) -> HttpResponseBase:
    response = _send_stored(
        version.stored_file.name, version.stored_file.storage, content_type=version.content_type, size=version.size
    )
    response["Content-Disposition"] = content_disposition("inline" if inline else "attachment", version.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    if inline:
        response["Content-Security-Policy"] = (
            PDF_PREVIEW_CSP if version.extension == "pdf" else IMAGE_PREVIEW_CSP
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "HEAD"])
def file_download(request: HttpRequest, file_id: int, number: int | None = None) -> HttpResponseBase:
    """The latest version of a file (/files/<id>/latest/, the link that never breaks) or a given version
    (/files/<id>/v<n>/), as an attachment. Each GET counts one download on the version, the file and the resource."""
    resource_file = _allowed_file(request, file_id)
    if number is None:
        version = resource_file.latest_version
        if version is None:
            raise Http404
    else:
        version = get_object_or_404(FileVersion, file=resource_file, number=number)
    version.file = resource_file
    response = _deliver(version, inline=False)
    if request.method == "GET":
        count_download(version)
    return response


@require_http_methods(["GET", "HEAD"])
def file_preview(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """The latest version shown in the browser, for PDFs and images only (other types: 404)."""
    resource_file = _allowed_file(request, file_id)
    version = resource_file.latest_version
    if version is None or version.extension not in PREVIEWABLE_EXTENSIONS:
        raise Http404
    version.file = resource_file
    return _deliver(version, inline=True)


# Cover images: /resources/<slug>/cover/<size>/ for size "full" (as uploaded), "thumbnail" (detail page) or "small"
# (result lists). The model field each size reads.
COVER_FIELDS = {"full": "cover_image", "thumbnail": "cover_thumbnail", "small": "cover_small"}
COVER_CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
# A public resource's cover may be kept by browsers and shared caches for a day (pages link to it with the stored
# name as a version, so a new cover is a new address). Anything else is private to the person and rechecked on each
# use (a 304 when it has not changed), so a cover stops showing as soon as its resource may no longer be seen.
PUBLIC_COVER_CACHE = "public, max-age=86400"
PRIVATE_COVER_CACHE = "private, no-cache"


@require_http_methods(["GET", "HEAD"])
def cover_image(request: HttpRequest, slug: str, size: str) -> HttpResponseBase:
    """A resource's cover image, for whoever may see the resource (resources.permissions.can_view_resource: the
    same rule as its page, visible_to for published items); 404 for anyone else, for an unknown size and for a
    resource without a cover."""
    field = COVER_FIELDS.get(size)
    resource = Resource.objects.filter(slug=slug).first() if field else None
    if resource is None or not permissions.can_view_resource(request.user, resource):
        raise Http404
    stored = getattr(resource, field)
    if not stored:
        raise Http404
    is_public = resource.is_published and resource.visibility == Resource.Visibility.PUBLIC
    headers = {
        "Cache-Control": PUBLIC_COVER_CACHE if is_public else PRIVATE_COVER_CACHE,
        # Stored names are random and new for every upload: the name is the version.
        "ETag": quote_etag(stored.name),
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Content-Security-Policy": IMAGE_PREVIEW_CSP,
    }
    response = get_conditional_response(request, etag=headers["ETag"])
    if response is None:
        extension = stored.name.rsplit(".", 1)[-1].lower()
        response = _send_stored(stored.name, stored.storage, content_type=COVER_CONTENT_TYPES.get(extension, "image/jpeg"))
    for header, value in headers.items():
        response[header] = value
    return response
