"""The receipt of a payment, uploaded with it through HTTP: kept as a document of the request's
person's case file (encrypted, in the same commit as the payment), downloaded through the case file's
audited route; a refused file pays nothing, a refused payment stores nothing; nobody else reaches it."""

import io

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from mexiles import crypto, storage
from mexiles.assistance.models import AssistanceRequest
from mexiles.audit.models import AuditEntry
from mexiles.extensions import db
from mexiles.people.models import CaseDocument
from tests.people.test_documents import PDF, SECRET, bucket, objects, s3_server  # noqa: F401  (fixtures)

PNG_NAMED_PDF = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 13  # a PNG is taken, whatever its name
NOT_A_PDF = b"Recibo escrito a mano por Cora, no es un PDF"


@pytest.fixture
def approved(aid):
    """An approved request, not paid yet, for a person on the coordinator's case."""
    request_id = aid.ask(aid.person(alias="Recibo Uno"), aid.fund("general", 100_00), 25_50, category="medicine")
    aid.decide(request_id)
    return request_id


def pay(client, request_id, today, data=PDF, filename="recibo.pdf", **fields):
    form = {"paid_on": today.isoformat(), "method": "vendor", **fields}
    if data is not None:
        form["receipt"] = (io.BytesIO(data), filename)
    return client.post(f"/assistance/{request_id}/pay", data=form, content_type="multipart/form-data")


def documents(app) -> list[CaseDocument]:
    with app.app_context():
        return list(db.session.scalars(select(CaseDocument).order_by(CaseDocument.id)))


def blobs(app) -> set[str]:
    with app.app_context():
        return set(storage.store().keys())


def receipt_of(app, request_id) -> int | None:
    with app.app_context():
        return db.session.get(AssistanceRequest, request_id).receipt_document_id


def paid_entries(app, request_id) -> int:
    with app.app_context():
        query = select(func.count()).where(
            AuditEntry.action == "assistance.paid", AuditEntry.subject_id == str(request_id)
        )
        return db.session.scalar(query.select_from(AuditEntry))


def test_an_admin_pays_with_a_receipt_and_the_case_team_downloads_it(
    app, client, auth, make_user, aid, approved, today
):
    auth.login(aid.admin)
    response = pay(client, approved, today)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert aid.status(approved) == "paid"
    [document] = documents(app)
    assert (document.kind, document.file_type, document.dated_on) == ("receipt", "pdf", today)
    assert receipt_of(app, approved) == document.id
    with app.app_context():
        person_id = db.session.get(AssistanceRequest, approved).person_id
    assert document.person_id == person_id
    assert "Receipt of emergency assistance no." in document.description and "$25.50" in document.description
    # The file in the store is encrypted like every document.
    [key] = blobs(app)
    assert key == document.storage_key
    with app.app_context():
        assert SECRET not in storage.store().get(key)
    link = f"/people/{person_id}/documents/{document.id}/file"
    page = client.get(f"/assistance/{approved}").get_data(as_text=True)
    assert link in page and "Download the receipt" in page
    for user in (aid.admin, aid.coordinator):  # admins and the case team, through the audited route
        auth.logout()
        auth.login(user)
        download = client.get(link)
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        downloads = db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "case_document.download")
        )
    assert downloads == 2
    auth.logout()
    auth.login(make_user("admin", locale="es"))
    spanish = client.get(f"/assistance/{approved}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Descargar el recibo" in spanish
    # Paid once: paying again is refused and stores nothing more.
    assert pay(client, approved, today, data=PNG_NAMED_PDF).status_code == 400
    assert len(documents(app)) == 1 and len(blobs(app)) == 1 and paid_entries(app, approved) == 1


def test_paying_without_a_receipt_still_works(app, client, auth, aid, approved, today):
    auth.login(aid.admin)
    assert pay(client, approved, today, data=None).status_code == 302
    assert aid.status(approved) == "paid" and receipt_of(app, approved) is None
    assert documents(app) == [] and blobs(app) == set()
    assert "None uploaded" in client.get(f"/assistance/{approved}").get_data(as_text=True)


@pytest.mark.parametrize(
    "language, message",
    [
        ("en", "This file is not a PDF, a JPEG or PNG image"),
        ("es", "Este archivo no es un PDF"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_pays_nothing(
    app, client, auth, make_user, aid, approved, today, language, message
):
    auth.login(make_user("admin", locale=language))
    response = client.post(
        f"/assistance/{approved}/pay",
        data={"paid_on": today.isoformat(), "method": "cash", "receipt": (io.BytesIO(NOT_A_PDF), "recibo.pdf")},
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert aid.status(approved) == "approved" and paid_entries(app, approved) == 0
    assert documents(app) == [] and blobs(app) == set()
    # Fixed, it is paid once, with the one receipt.
    assert pay(client, approved, today).status_code == 302
    assert pay(client, approved, today).status_code == 400
    assert len(documents(app)) == 1 and paid_entries(app, approved) == 1


def test_an_oversized_receipt_gets_a_message_and_pays_nothing(
    app, client, auth, make_user, aid, approved, today, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1024 * 1024)
    auth.login(aid.admin)
    just_over = PDF + b"0" * (1024 * 1024 + 1 - len(PDF))  # the body fits, the file is judged too large
    response = pay(client, approved, today, data=just_over)
    assert response.status_code == 400 and "larger than 1 MB" in response.get_data(as_text=True)
    far_over = PDF + b"0" * (3 * 1024 * 1024)  # the body itself is refused before it is read
    response = pay(client, approved, today, data=far_over)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than 1 MB" in page and "Record the payment" in page
    # In production the CSRF check reads the form first, in a hook before the view: the same page.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = pay(client, approved, today, data=far_over)
    assert response.status_code == 413 and "larger than 1 MB" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    auth.logout()
    auth.login(make_user("admin", locale="es"))
    spanish = client.post(
        f"/assistance/{approved}/pay",
        data={"paid_on": today.isoformat(), "method": "cash", "receipt": (io.BytesIO(far_over), "r.pdf")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "es"},
    )
    assert spanish.status_code == 413 and "más de 1 MB" in spanish.get_data(as_text=True)
    assert aid.status(approved) == "approved" and paid_entries(app, approved) == 0
    assert documents(app) == [] and blobs(app) == set()


def test_a_payment_the_form_refuses_stores_no_receipt(app, client, auth, aid, approved, today):
    auth.login(aid.admin)
    future = today.replace(year=today.year + 1)
    assert pay(client, approved, today, paid_on=future.isoformat()).status_code == 400
    assert pay(client, approved, today, method="bitcoin").status_code == 400
    declined = aid.ask(aid.person(alias="Recibo Dos"), aid.fund("general"), 1_00)
    aid.decide(declined, approve=False)
    assert pay(client, declined, today).status_code == 400
    assert documents(app) == [] and blobs(app) == set()
    assert aid.status(approved) == "approved" and aid.status(declined) == "declined"


def test_nobody_else_pays_or_reaches_the_receipt(app, client, auth, make_user, make_person, aid, approved, today):
    for user in (aid.coordinator, make_user("coordinator"), make_user("counselor"), make_user("speaker")):
        auth.login(user)  # the case team's coordinator included: admins record payments
        assert pay(client, approved, today).status_code == 403
        auth.logout()
    assert documents(app) == [] and aid.status(approved) == "approved"
    auth.login(aid.admin)
    assert pay(client, approved, today).status_code == 302
    [document] = documents(app)
    link = f"/people/{document.person_id}/documents/{document.id}/file"
    auth.logout()
    for role in ("coordinator", "counselor", "speaker", "donor"):
        auth.login(make_user(role))  # a coordinator on no case team, and every other role
        assert client.get(link).status_code == 403, role
        assert client.get(f"/assistance/{approved}").status_code == 403, role
        auth.logout()
    # Another person's case team, through their own person's address: not found.
    other = make_user("coordinator")
    other_person = make_person([other.id], legal_name="Ajena Persona Inventada", alias="Ajena")
    auth.login(other)
    assert client.get(f"/people/{other_person}/documents/{document.id}/file").status_code == 404


def test_the_database_refuses_a_receipt_of_another_person(app, client, auth, aid, approved, today, make_person):
    auth.login(aid.admin)
    assert pay(client, approved, today).status_code == 302
    [receipt] = documents(app)
    other = aid.ask(aid.person(alias="Otra Persona"), aid.fund("general"), 1_00)
    aid.decide(other)
    aid.pay(other)
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(AssistanceRequest).where(AssistanceRequest.id == other).values(receipt_document_id=receipt.id)
            )
            db.session.flush()
        db.session.rollback()
        # And only a paid request has a receipt.
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(AssistanceRequest)
                .where(AssistanceRequest.id == approved)
                .values(status="approved", paid_on=None, method=None)
            )
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize("where", ["folder", "bucket"])
def test_a_receipt_holds_no_plaintext_in_the_store_and_survives_key_rotation(
    app, client, auth, aid, approved, today, runner, monkeypatch, request, where
):
    s3 = request.getfixturevalue("bucket") if where == "bucket" else None
    auth.login(aid.admin)
    assert pay(client, approved, today).status_code == 302
    [document] = documents(app)
    if s3 is not None:
        raw = objects(s3)[f"documents/{document.storage_key}"]
    else:
        raw = (app.extensions["mexiles.storage"].root / document.storage_key).read_bytes()
    assert raw and SECRET not in raw and b"%PDF" not in raw and b"recibo" not in raw
    new_key, old_keys = Fernet.generate_key().decode(), app.config["FIELD_ENCRYPTION_KEYS"]
    index_key = app.config["SEARCH_INDEX_KEY"]
    monkeypatch.setitem(app.extensions, "mexiles.field_cipher", crypto.FieldCipher([new_key, *old_keys], index_key))
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    # The old keys dropped: the newest alone opens the receipt, through the link on the request.
    monkeypatch.setitem(app.extensions, "mexiles.field_cipher", crypto.FieldCipher([new_key], index_key))
    page = client.get(f"/assistance/{approved}").get_data(as_text=True)
    link = f"/people/{document.person_id}/documents/{document.id}/file"
    assert link in page
    assert client.get(link).data == PDF
