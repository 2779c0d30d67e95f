"""Documents in the case file, through HTTP: upload, download, withdraw, purge; who may; what the
store holds (on disk, and in a real S3 server: moto in server mode, started here); key rotation."""

from __future__ import annotations

import io
import secrets
import zipfile
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
from cryptography.fernet import Fernet
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from mexiles import crypto, storage
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.people.models import CaseDocument, CaseRecordImmutable

SECRET = b"Amenaza firmada por el cartel contra Graciela"
PDF = b"%PDF-1.4\n1 0 obj << /Title (" + SECRET + b") >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 13 + SECRET
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + SECRET + b"\xff\xd9"
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + SECRET


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:  # stored: the text is in the bytes
        for name, body in entries.items():
            package.writestr(name, body)
    return out.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>", "word/document.xml": SECRET})
FILENAME = "Notificación de audiencia.pdf"


@pytest.fixture
def team(case_file, make_user):
    """The case team's coordinator, an admin, and the URLs of the person's documents."""
    case_file.admin = make_user("admin")
    case_file.url = f"/people/{case_file.person_id}/documents"
    return case_file


def upload(client, url, data=PDF, filename=FILENAME, **fields):
    form = {"kind": "court_notice", "dated_on": "2026-01-05", "description": "Aviso de audiencia en El Paso"}
    form.update(fields)
    return client.post(url, data={**form, "file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def documents(app) -> list[CaseDocument]:
    with app.app_context():
        return list(db.session.scalars(select(CaseDocument).order_by(CaseDocument.id)))


def blobs(app) -> set[str]:
    with app.app_context():
        return set(storage.store().keys())


def audited(app, action) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# --- The case team's work ----------------------------------------------------------------------


def test_the_case_team_uploads_downloads_and_withdraws(app, client, auth, team):
    auth.login(team.coordinator)
    before = blobs(app)
    response = upload(client, team.url)
    assert response.status_code == 302, response.data.decode()
    [document] = documents(app)
    assert (document.kind, document.file_type, document.size_bytes) == ("court_notice", "pdf", len(PDF))
    assert document.filename == FILENAME and document.description == "Aviso de audiencia en El Paso"
    assert blobs(app) - before == {document.storage_key}

    page = client.get(team.url).data.decode()
    assert "Aviso de audiencia en El Paso" in page and FILENAME in page
    timeline = client.get(f"/people/{team.person_id}").data.decode()
    assert "Court notice: Aviso de audiencia en El Paso" in timeline

    file_url = f"{team.url}/{document.id}/file"
    response = client.get(file_url)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(FILENAME)}" in disposition
    assert 'filename="Notificacion de audiencia.pdf"' in disposition
    assert "no-store" in response.headers["Cache-Control"]
    assert audited(app, "case_document.upload") == 1 and audited(app, "case_document.download") == 1

    assert client.post(f"{team.url}/{document.id}/withdraw").status_code == 302
    assert "Aviso de audiencia" not in client.get(team.url).data.decode()
    assert "Aviso de audiencia" not in client.get(f"/people/{team.person_id}").data.decode()
    assert client.get(file_url).status_code == 404
    assert client.post(f"{team.url}/{document.id}/withdraw").status_code == 302  # twice: a message, no change
    assert audited(app, "case_document.withdraw") == 1
    [kept] = documents(app)
    assert kept.withdrawn_at is not None and kept.withdrawn_by_id == team.coordinator.id
    assert kept.storage_key in blobs(app)  # withdrawn, still kept (encrypted)

    auth.logout()
    auth.login(team.admin)
    page = client.get(team.url).data.decode()
    assert "Withdrawn documents" in page and "Aviso de audiencia en El Paso" in page
    assert client.get(file_url).data == PDF


def test_the_pages_speak_spanish(app, client, auth, team, make_user):
    spanish = make_user("coordinator", locale="es")
    with app.app_context():
        from mexiles.accounts.models import User

        team.people.set_team(
            team.people.get(team.person_id),
            [db.session.get(User, team.coordinator.id), db.session.get(User, spanish.id)],
            by=db.session.get(User, team.coordinator.id),
        )
    auth.login(spanish)
    page = client.get(team.url).data.decode()
    assert "Documentos" in page and "Subir" in page
    refused = upload(client, team.url, data=b"solo texto", filename="falso.pdf").data.decode()
    assert "no es un PDF" in refused


@pytest.mark.parametrize(
    ("data", "filename", "file_type", "downloads_as"),
    [
        (PDF, "queja.pdf", "pdf", "queja.pdf"),
        (JPEG, "amenaza.jpeg", "jpeg", "amenaza.jpg"),
        (PNG, "captura.pdf", "png", "captura.png"),  # judged by its content, downloaded as what it is
        (HEIC, "IMG_0042.HEIC", "heic", "IMG_0042.heic"),
        (DOCX, "declaración.docx", "docx", "declaración.docx"),
    ],
)
def test_each_type_is_judged_by_its_content(app, client, auth, team, data, filename, file_type, downloads_as):
    auth.login(team.coordinator)
    assert upload(client, team.url, data=data, filename=filename).status_code == 302
    [document] = documents(app)
    assert document.file_type == file_type
    response = client.get(f"{team.url}/{document.id}/file")
    assert response.data == data
    assert quote(downloads_as) in response.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00 not a pdf at all", "notificacion.pdf"),
        (b"Just some text that someone renamed", "evidence.pdf"),
        (b"<html><script>alert(1)</script></html>", "carta.pdf"),
        (_zip({"hello.txt": b"hi"}), "declaracion.docx"),
        (_zip({"word/other.xml": b"<w/>", "x.txt": b"x"}), "declaracion.docx"),  # a zip that starts like one
        (b"GIF89a" + b"\x00" * 20, "foto.png"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(app, client, auth, team, data, filename):
    auth.login(team.coordinator)
    before = blobs(app)
    response = upload(client, team.url, data=data, filename=filename)
    assert response.status_code == 400
    assert "is not a PDF, a JPEG or PNG image, a HEIC photo or a Word document" in response.data.decode()
    assert documents(app) == [] and blobs(app) == before


def test_a_form_without_a_file_or_a_description_gets_messages(app, client, auth, team):
    auth.login(team.coordinator)
    response = client.post(team.url, data={"kind": "letter", "dated_on": "2026-01-05", "description": ""})
    assert response.status_code == 400
    assert "Choose the file to upload." in response.data.decode()
    response = upload(client, team.url, data=b"", filename="vacio.pdf")
    assert response.status_code == 400
    assert documents(app) == []


# --- Size ------------------------------------------------------------------------------------


def test_the_limit_is_25_mb_unless_set(app, monkeypatch):
    from mexiles.settings import from_environment

    monkeypatch.delenv("DOCUMENT_MAX_MB", raising=False)
    assert from_environment(Path(app.instance_path))["DOCUMENT_MAX_BYTES"] == 25 * 1024 * 1024
    monkeypatch.setenv("DOCUMENT_MAX_MB", "40")
    assert from_environment(Path(app.instance_path))["DOCUMENT_MAX_BYTES"] == 40 * 1024 * 1024


def test_a_file_over_the_limit_gets_a_message_and_nothing_is_stored(app, client, auth, team):
    assert app.config["DOCUMENT_MAX_BYTES"] == 25 * 1024 * 1024
    auth.login(team.coordinator)
    before = blobs(app)
    just_over = PDF + b"0" * (25 * 1024 * 1024 + 1 - len(PDF))
    response = upload(client, team.url, data=just_over)
    assert response.status_code == 400
    assert "larger than 25 MB" in response.data.decode()
    assert documents(app) == [] and blobs(app) == before
    # Within the limit, the same page takes it (the app's own 1 MB body limit does not apply here).
    assert upload(client, team.url, data=PDF + b"0" * (2 * 1024 * 1024)).status_code == 302


def test_a_body_far_over_the_limit_gets_the_page_not_a_crash(app, client, auth, team, monkeypatch):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024 * 1024)
    auth.login(team.coordinator)
    before = blobs(app)
    response = upload(client, team.url, data=PDF + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413
    page = response.data.decode()
    assert "larger than 1 MB" in page and "Add a document" in page
    assert documents(app) == [] and blobs(app) == before
    # In production the CSRF check reads the form first, in a hook before the view: the same page.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = upload(client, team.url, data=PDF + b"0" * (3 * 1024 * 1024))
    assert response.status_code == 413 and "larger than 1 MB" in response.data.decode()
    assert documents(app) == [] and blobs(app) == before
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    # Elsewhere the app's own limit still holds, with the plain error page.
    assert client.post(f"/people/{team.person_id}/notes", data={"body": "x" * (2 * 1024 * 1024)}).status_code == 413


# --- Who may ---------------------------------------------------------------------------------


def test_everyone_else_is_refused_on_direct_urls(app, client, auth, team, make_user, make_person):
    auth.login(team.coordinator)
    assert upload(client, team.url).status_code == 302
    [document] = documents(app)
    auth.logout()
    urls = [
        ("GET", team.url),
        ("POST", team.url),
        ("GET", f"{team.url}/{document.id}/file"),
        ("POST", f"{team.url}/{document.id}/withdraw"),
        ("POST", f"{team.url}/{document.id}/purge"),
    ]
    for role in ("coordinator", "counselor", "speaker", "donor"):
        auth.login(make_user(role))  # a coordinator on no case team, and every other role
        for method, url in urls:
            response = client.open(url, method=method, data={"reason": "x"})
            assert response.status_code == 403, (role, method, url, response.status_code)
        auth.logout()
    for method, url in urls:
        assert client.open(url, method=method).status_code == 302  # to sign in
    # Another person's case team, through their own person's address: not found.
    other = make_user("coordinator")
    other_person = make_person([other.id], legal_name="Otra Persona Inventada", alias="Otra")
    auth.login(other)
    assert client.get(f"/people/{other_person}/documents/{document.id}/file").status_code == 404
    assert client.post(f"/people/{other_person}/documents/{document.id}/withdraw").status_code == 302
    assert documents(app)[0].withdrawn_at is None
    assert audited(app, "case_document.download") == 0


# --- Purging, and what the database refuses ----------------------------------------------------


def test_an_admin_purges_with_a_reason_and_a_tombstone_stays(app, client, auth, team):
    auth.login(team.coordinator)
    assert upload(client, team.url).status_code == 302
    [document] = documents(app)
    assert client.post(f"{team.url}/{document.id}/purge", data={"reason": "x"}).status_code == 403
    auth.logout()
    auth.login(team.admin)
    assert client.post(f"{team.url}/{document.id}/purge", data={"reason": ""}).status_code == 302
    assert documents(app)[0].purged_at is None and document.storage_key in blobs(app)
    response = client.post(
        f"{team.url}/{document.id}/purge",
        data={"reason": "Subido por error: es de otra persona"},
        follow_redirects=True,
    )
    assert "The file is purged" in response.data.decode()
    [tombstone] = documents(app)
    assert tombstone.purged_at is not None and tombstone.purged_by_id == team.admin.id
    assert tombstone.purge_reason == "Subido por error: es de otra persona"
    assert tombstone.withdrawn_at is not None and tombstone.filename is None and tombstone.description is None
    assert document.storage_key not in blobs(app)
    assert client.get(f"{team.url}/{document.id}/file").status_code == 404
    assert "Subido por error" in client.get(team.url).data.decode()
    assert audited(app, "case_document.purge") == 1


def test_document_rows_cannot_be_deleted(app, client, auth, team):
    auth.login(team.coordinator)
    assert upload(client, team.url).status_code == 302
    [document] = documents(app)
    with app.app_context():
        with pytest.raises(CaseRecordImmutable):
            db.session.delete(db.session.get(CaseDocument, document.id))
            db.session.flush()
        db.session.rollback()
        for statement in (
            "DELETE FROM case_documents",
            "UPDATE case_documents SET storage_key = 'ffffffffffffffffffffffffffffffff'",
            f"UPDATE case_documents SET person_id = person_id + 1000 WHERE id = {document.id}",
        ):
            with pytest.raises(DBAPIError):
                with db.session.begin_nested():
                    db.session.execute(text(statement))
        assert db.session.scalar(select(func.count()).select_from(CaseDocument)) == 1


# --- What the store holds --------------------------------------------------------------------


def _plaintext_free(raw: bytes) -> None:
    assert raw and SECRET not in raw and b"%PDF" not in raw and b"word/document.xml" not in raw
    assert FILENAME.encode() not in raw and b"Notificaci" not in raw


def test_the_file_on_disk_holds_none_of_its_plaintext(app, client, auth, team):
    auth.login(team.coordinator)
    for data in (PDF, DOCX):
        assert upload(client, team.url, data=data, filename=FILENAME if data is PDF else "d.docx").status_code == 302
    root = app.extensions["mexiles.storage"].root
    for document in documents(app):
        path = root / document.storage_key
        assert path.is_file()
        _plaintext_free(path.read_bytes())
        assert FILENAME not in document.storage_key
    with app.app_context():
        rows = repr(db.session.execute(text("SELECT * FROM case_documents")).all())
    assert "Notificaci" not in rows and "Aviso de audiencia" not in rows


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 endpoint on this machine: moto in server mode, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_config(endpoint: str, bucket: str, **more) -> dict:
    return {
        "DOCUMENT_S3_BUCKET": bucket,
        "DOCUMENT_S3_PREFIX": "documents/",
        "DOCUMENT_S3_ENDPOINT_URL": endpoint,
        "DOCUMENT_S3_REGION": "us-east-1",
        "DOCUMENT_S3_ACCESS_KEY_ID": "testing",
        "DOCUMENT_S3_SECRET_ACCESS_KEY": "testing",
        "DOCUMENT_S3_TIMEOUT_SECONDS": 5.0,
        "DOCUMENT_S3_RETRIES": 1,
        **more,
    }


@pytest.fixture
def bucket(app, s3_server, monkeypatch):
    """The app's documents go to a fresh bucket of the S3 server; returns a plain client of it."""
    name = f"mexiles-{secrets.token_hex(4)}"
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    client.create_bucket(Bucket=name)
    monkeypatch.setitem(app.extensions, "mexiles.storage", storage.from_config(s3_config(s3_server, name), ""))
    client.bucket_name = name
    return client


def objects(bucket) -> dict[str, bytes]:
    listing = bucket.list_objects_v2(Bucket=bucket.bucket_name).get("Contents", [])
    return {o["Key"]: bucket.get_object(Bucket=bucket.bucket_name, Key=o["Key"])["Body"].read() for o in listing}


def test_the_object_in_the_bucket_holds_none_of_its_plaintext(app, client, auth, team, bucket):
    auth.login(team.coordinator)
    assert upload(client, team.url).status_code == 302
    [document] = documents(app)
    stored = objects(bucket)
    assert list(stored) == [f"documents/{document.storage_key}"]
    _plaintext_free(stored[f"documents/{document.storage_key}"])
    assert client.get(f"{team.url}/{document.id}/file").data == PDF
    # Withdrawn, still in the bucket; purged, gone from it.
    assert client.post(f"{team.url}/{document.id}/withdraw").status_code == 302
    assert len(objects(bucket)) == 1
    auth.logout()
    auth.login(team.admin)
    assert client.post(f"{team.url}/{document.id}/purge", data={"reason": "Duplicado"}).status_code == 302
    assert objects(bucket) == {}


def test_the_s3_client_gives_up_soon(app):
    store = storage.from_config(
        s3_config("http://127.0.0.1:9", "b", DOCUMENT_S3_TIMEOUT_SECONDS=3.0, DOCUMENT_S3_RETRIES=2), ""
    )
    config = store.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (3.0, 3.0)
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}  # the first try and 2 more


def test_a_store_that_cannot_be_reached_gets_a_message_and_nothing_is_kept(app, client, auth, team, monkeypatch):
    unreachable = storage.from_config(
        s3_config("http://127.0.0.1:9", "b", DOCUMENT_S3_TIMEOUT_SECONDS=1.0, DOCUMENT_S3_RETRIES=0), ""
    )
    monkeypatch.setitem(app.extensions, "mexiles.storage", unreachable)
    auth.login(team.coordinator)
    response = upload(client, team.url)
    assert response.status_code == 400
    assert "could not be stored just now, and nothing was saved" in response.data.decode()
    assert documents(app) == []


# --- Key rotation ----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["folder", "bucket"])
def test_key_rotation_leaves_every_document_readable(app, client, auth, team, runner, monkeypatch, request, where):
    if where == "bucket":
        request.getfixturevalue("bucket")
    auth.login(team.coordinator)
    files = {"a.pdf": PDF, "b.docx": DOCX, "c.png": PNG}
    for name, data in files.items():
        assert upload(client, team.url, data=data, filename=name).status_code == 302
    new_key, old_keys = Fernet.generate_key().decode(), app.config["FIELD_ENCRYPTION_KEYS"]
    index_key = app.config["SEARCH_INDEX_KEY"]
    monkeypatch.setitem(app.extensions, "mexiles.field_cipher", crypto.FieldCipher([new_key, *old_keys], index_key))
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted" in result.output and "files with the newest key" in result.output
    # The old keys dropped: the newest alone opens every file, and every name and description.
    monkeypatch.setitem(app.extensions, "mexiles.field_cipher", crypto.FieldCipher([new_key], index_key))
    kept = documents(app)
    assert sorted(d.filename for d in kept) == sorted(files)
    for document in kept:
        response = client.get(f"{team.url}/{document.id}/file")
        assert response.status_code == 200
        assert response.data == files[document.filename]
    assert client.get(team.url).status_code == 200
