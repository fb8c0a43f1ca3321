"""Uploaded materials (onething/cases/uploads.py): recognised by content, within size limits,
stored under random names inside the upload root and never outside it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from onething.cases import services, uploads
from onething.cases.models import Application, Upload
from onething.core.errors import ServiceError

from .factories import EXE, JPEG, PDF, PNG, RECHECK, answers_for, draft, ofd

# --- Recognising files by their content -------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [(PDF, "pdf"), (JPEG, "jpeg"), (PNG, "png"), (ofd(), "ofd")],
    ids=["pdf", "jpeg", "png", "ofd"],
)
def test_accepted_kinds_are_recognised_by_content(data, kind):
    assert uploads.sniff(data) == kind
    # Whatever the name says.
    assert uploads.check_file("材料.bin", data) == kind


def test_a_renamed_executable_is_rejected_by_its_content():
    with pytest.raises(ServiceError) as raised:
        uploads.check_file("材料.pdf", EXE)
    error = raised.value
    assert error.code == "file_type"
    assert "材料.pdf" in error.message
    assert "按文件内容识别" in error.message
    assert "PDF" in error.message and "OFD" in error.message


def test_a_zip_without_ofd_xml_is_not_an_ofd():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w:document/>")
    data = buffer.getvalue()
    assert uploads.sniff(data) is None
    assert uploads.sniff(ofd(with_entry=False)) is None
    with pytest.raises(ServiceError) as raised:
        uploads.check_file("证明.ofd", data)
    assert raised.value.code == "file_type"


def test_ofd_xml_must_be_at_the_root_of_the_package():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("nested/OFD.xml", "<ofd:OFD/>")
    assert uploads.sniff(buffer.getvalue()) is None


def test_a_broken_zip_is_rejected():
    assert uploads.sniff(b"PK\x03\x04" + b"\x00" * 40) is None


@pytest.mark.parametrize(
    "data",
    [b"<html><script>alert(1)</script>", b"GIF89a\x01\x00", b"  %PDF-1.4", b"{\\rtf1"],
    ids=["html", "gif", "pdf-not-at-start", "rtf"],
)
def test_other_content_is_rejected(data):
    assert uploads.sniff(data) is None
    with pytest.raises(ServiceError):
        uploads.check_file("a.pdf", data)


def test_an_empty_file_is_rejected():
    with pytest.raises(ServiceError) as raised:
        uploads.check_file("空.pdf", b"")
    assert "空文件" in raised.value.message


# --- Size limits --------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_rejected(settings):
    settings.ONETHING_UPLOAD_MAX_FILE = 1024
    settings.ONETHING_UPLOAD_MAX_APPLICATION = 10_000
    assert uploads.check_file("ok.pdf", PDF + b"\x00" * (1024 - len(PDF))) == "pdf"
    with pytest.raises(ServiceError) as raised:
        uploads.check_file("big.pdf", PDF + b"\x00" * (1025 - len(PDF)))
    assert raised.value.code == "file_too_large"
    assert "big.pdf" in raised.value.message


def test_files_over_the_application_limit_are_rejected(settings):
    settings.ONETHING_UPLOAD_MAX_FILE = 1024
    settings.ONETHING_UPLOAD_MAX_APPLICATION = 1500
    data = PDF + b"\x00" * (1000 - len(PDF))
    assert uploads.check_file("1.pdf", data, already=500) == "pdf"
    with pytest.raises(ServiceError) as raised:
        uploads.check_file("2.pdf", data, already=501)
    assert raised.value.code == "application_too_large"


@pytest.mark.django_db
def test_a_submission_over_the_application_limit_names_the_material(users, settings):
    settings.ONETHING_UPLOAD_MAX_FILE = 1024
    settings.ONETHING_UPLOAD_MAX_APPLICATION = 1500
    citizen = users["citizen"]
    the_draft = draft(citizen, code=RECHECK)
    data = PDF + b"\x00" * (900 - len(PDF))
    submission = services.Submission(
        answers=answers_for(the_draft.form),
        files={"复检申请书": [("第1页.pdf", data), ("第2页.pdf", data + b"\x01")]},
    )
    before = Application.objects.count(), Upload.objects.count()
    with pytest.raises(ServiceError) as raised:
        services.submit_application(
            actor=citizen, draft=the_draft, submission=submission, idempotency_key="size-1"
        )
    assert "合计" in raised.value.fields["materials.复检申请书"]
    assert (Application.objects.count(), Upload.objects.count()) == before


# --- Storage ------------------------------------------------------------------------------------


def test_a_file_is_stored_under_a_random_name_inside_the_upload_root():
    root = Path(settings.ONETHING_UPLOAD_ROOT).resolve()
    first = uploads.store("张三的户口簿.pdf", PDF)
    second = uploads.store("张三的户口簿.pdf", PDF)
    assert first.stored_name != second.stored_name
    for stored in (first, second):
        assert "张三" not in stored.stored_name
        assert "户口簿" not in stored.stored_name
        assert not stored.stored_name.endswith(".pdf")
        path = uploads.path_of(stored.stored_name)
        assert root in path.parents
        assert path.read_bytes() == PDF
    assert first.original_name == "张三的户口簿.pdf"
    assert first.kind == "pdf"
    assert first.size == len(PDF)
    assert len(first.sha256) == 64


def test_the_original_name_keeps_no_directories():
    stored = uploads.store("../../etc/passwd.pdf", PDF)
    assert stored.original_name == "passwd.pdf"
    assert (
        Path(settings.ONETHING_UPLOAD_ROOT).resolve() in uploads.path_of(stored.stored_name).parents
    )


def test_a_rejected_file_is_not_written():
    root = Path(settings.ONETHING_UPLOAD_ROOT)
    before = set(root.rglob("*")) if root.exists() else set()
    with pytest.raises(ServiceError):
        uploads.store("材料.pdf", EXE)
    after = set(root.rglob("*")) if root.exists() else set()
    assert after == before


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd", "/etc/passwd", "ab/../../outside.pdf", "..", ""],
)
def test_path_traversal_is_refused(name):
    with pytest.raises(ValueError):
        uploads.path_of(name)


def test_discard_never_deletes_outside_the_root(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    root = Path(settings.ONETHING_UPLOAD_ROOT).resolve()
    relative = Path("..") / Path(*[".."] * len(root.parts)) / str(victim).lstrip("/")
    uploads.discard(str(relative))
    assert victim.exists()
    stored = uploads.store("x.pdf", PDF)
    uploads.discard(stored.stored_name)
    assert not uploads.path_of(stored.stored_name).exists()
