"""Uploaded materials: PDF, JPEG, PNG and OFD only, recognised by their content (never by the
name), within a size limit per file and per application, stored outside the web root under random
names and served only through a view that checks who may see them."""

from __future__ import annotations

import contextlib
import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from onething.core.errors import ServiceError

KIND_LABELS = {"pdf": "PDF", "jpeg": "JPEG 图片", "png": "PNG 图片", "ofd": "OFD 版式文件"}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "ofd": "application/ofd",
}
ALLOWED_TEXT = "PDF、JPG、PNG 或 OFD"


def max_file_bytes() -> int:
    return getattr(settings, "ONETHING_UPLOAD_MAX_FILE", 10 * 1024 * 1024)


def max_application_bytes() -> int:
    return getattr(settings, "ONETHING_UPLOAD_MAX_APPLICATION", 50 * 1024 * 1024)


def upload_root() -> Path:
    return Path(settings.ONETHING_UPLOAD_ROOT)


def sniff(data: bytes) -> str | None:
    """The kind of file `data` is, by its content: pdf, jpeg, png, ofd, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"PK\x03\x04"):
        # OFD (GB/T 33190-2016) is a ZIP package whose entry point is OFD.xml at its root.
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as package:
                names = set(package.namelist())
        except zipfile.BadZipFile:
            return None
        return "ofd" if "OFD.xml" in names else None
    return None


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    kind: str
    size: int
    sha256: str


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_file(name: str, data: bytes, *, already: int = 0) -> str:
    """The file's kind, or ServiceError saying exactly what is wrong with it."""
    label = name or "文件"
    if not data:
        raise ServiceError(f"“{label}”是空文件", fields={"file": "文件为空"})
    if len(data) > max_file_bytes():
        message = f"“{label}”超过单个文件 {_mb(max_file_bytes())} 的上限"
        raise ServiceError(message, fields={"file": message}, code="file_too_large")
    if already + len(data) > max_application_bytes():
        message = f"本次申请的文件合计超过 {_mb(max_application_bytes())} 的上限"
        raise ServiceError(message, fields={"file": message}, code="application_too_large")
    kind = sniff(data)
    if kind is None:
        message = f"“{label}”不是 {ALLOWED_TEXT} 文件（按文件内容识别，改扩展名无效）"
        raise ServiceError(message, fields={"file": message}, code="file_type")
    return kind


def store(name: str, data: bytes, *, already: int = 0) -> StoredFile:
    """Check and write one file; its stored name is random and says nothing of the content."""
    kind = check_file(name, data, already=already)
    stored_name = f"{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}"
    path = upload_root() / stored_name
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as out:
        out.write(data)
    return StoredFile(
        stored_name=stored_name,
        original_name=Path(name).name[:200] or "材料",
        kind=kind,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def path_of(stored_name: str) -> Path:
    root = upload_root().resolve()
    path = (root / stored_name).resolve()
    if root not in path.parents:
        raise ValueError("stored name outside the upload root")
    return path


def discard(stored_name: str) -> None:
    """Remove a file whose database row was never written (a failed submission)."""
    with contextlib.suppress(ValueError):
        path_of(stored_name).unlink(missing_ok=True)
