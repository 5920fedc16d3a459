"""File delivery: every download goes through a permission check (never a public media URL).

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
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from resources import permissions
from resources.models import FileVersion, ResourceFile
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


def _deliver(version: FileVersion, *, inline: bool) -> HttpResponseBase:
    mode = getattr(settings, "RESOURCES_FILE_DELIVERY", "django")
    name = version.stored_file.name
    storage = version.stored_file.storage
    if mode == "django":
        try:
            handle = storage.open(name, "rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        response: HttpResponseBase = FileResponse(handle, content_type=version.content_type)
    elif mode == "x-accel-redirect":
        prefix = getattr(settings, "RESOURCES_X_ACCEL_PREFIX", "/protected-media/")
        response = HttpResponse(content_type=version.content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
    elif mode == "x-sendfile":
        response = HttpResponse(content_type=version.content_type)
        response["X-Sendfile"] = storage.path(name)
    else:
        raise ImproperlyConfigured(
            f"RESOURCES_FILE_DELIVERY must be 'django', 'x-accel-redirect' or 'x-sendfile', not {mode!r}"
        )
    response["Content-Disposition"] = content_disposition("inline" if inline else "attachment", version.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    if mode != "django":
        response["Content-Length"] = str(version.size)
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
