"""Streaming upload handling for resource files.

`HashingUploadHandler` writes every uploaded file straight to a temporary file on disk in the chunks Django reads
(64 KB), computing its SHA-256 and size on the way, and stops writing once a file passes
settings.RESOURCES_MAX_UPLOAD_BYTES: the rest of that file is read from the network and thrown away, and the file is
marked `too_large` so the form can say so clearly. Memory use stays flat whatever the size of the upload.

Views install it with `use_streaming_uploads(request)` before touching request.POST/FILES; because the CSRF check
reads request.POST, those views are wrapped in `csrf_exempt` on the outside and `csrf_protect` on the inside
(Django's documented pattern for changing upload handlers per view)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest

from resources.validation import max_upload_bytes


class HashingUploadHandler(TemporaryFileUploadHandler):
    chunk_size = 64 * 1024

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._digest = hashlib.sha256()
        self._received = 0
        self._too_large = False
        self._limit = max_upload_bytes()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._received += len(raw_data)
        if self._too_large:
            return None
        if self._received > self._limit:
            # Stop storing: drop what was written so far; the remainder is consumed and discarded by the parser.
            self._too_large = True
            self.file.seek(0)
            self.file.truncate()
            return None
        self._digest.update(raw_data)
        self.file.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> Any:
        uploaded = super().file_complete(0 if self._too_large else file_size)
        uploaded.too_large = self._too_large
        uploaded.counted_size = None if self._too_large else self._received
        uploaded.sha256 = None if self._too_large else self._digest.hexdigest()
        return uploaded


def use_streaming_uploads(request: HttpRequest) -> None:
    """Replace the request's upload handlers (call before reading request.POST or request.FILES)."""
    request.upload_handlers = [HashingUploadHandler(request)]
