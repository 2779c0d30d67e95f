"""0011_encrypt_free_text encrypts the free text already stored, on SQLite and on PostgreSQL."""

import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from mexiles import create_app
from mexiles.extensions import SESSION_OPTIONS, db
from mexiles.giving.models import StripeEvent
from mexiles.tours.models import BookingRequest
from tests.conftest import app_config, fresh_database

BEFORE = "0010_account_security"
PAYLOAD = {"id": "evt_1", "data": {"object": {"billing_details": {"name": "Ofelia Barragán Ruiz"}}}}


def _raw(conn) -> tuple:
    return (
        conn.execute(text("SELECT contact_name, contact_email, message FROM tour_booking_requests")).one(),
        conn.execute(text("SELECT payload FROM giving_stripe_events")).scalar(),
    )


def test_stored_text_is_encrypted_and_decrypted_back(database_server, tmp_path, mailbox):
    with fresh_database(database_server, tmp_path) as url:
        app = create_app(app_config(url, mailbox))
        original_session = db.session
        db.session = db._make_scoped_session(dict(SESSION_OPTIONS))
        try:
            with app.app_context():
                upgrade(revision=BEFORE)
                with db.engine.begin() as conn:
                    conn.execute(
                        text(
                            "INSERT INTO tour_booking_requests (status, organisation, contact_name, contact_email, "
                            "starts_at, ends_at, time_zone, city, venue, topic, language, host_locale, travel_support, "
                            "message, flagged_spam, created_at) VALUES ('new', 'Demo College', 'Hortensia Villaseñor', "
                            "'hortensia@example.org', '2030-01-01 18:00', '2030-01-01 19:00', 'America/Denver', "
                            "'Denver', 'Hall', 'Asylum', 'es', 'es', 'none', 'She stays with her aunt', false, "
                            "'2026-01-01')"
                        )
                    )
                    conn.execute(
                        text(
                            "INSERT INTO giving_stripe_events (event_id, type, outcome, payload, "
                            "stripe_created, received_at) VALUES ('evt_1', 'charge.succeeded', "
                            "'deferred', :payload, 0, '2026-01-01')"
                        ),
                        {"payload": json.dumps(PAYLOAD)},
                    )
                upgrade()
                with db.engine.connect() as conn:
                    (name, email, message), payload = _raw(conn)
                for stored in (name, email, message, payload):
                    assert stored.startswith("gAAAAA")
                assert "Villaseñor" not in name and "aunt" not in message and "Barragán" not in payload
                booking = db.session.scalars(select(BookingRequest)).one()
                assert (booking.contact_name, booking.contact_email, booking.message) == (
                    "Hortensia Villaseñor",
                    "hortensia@example.org",
                    "She stays with her aunt",
                )
                assert db.session.scalars(select(StripeEvent.payload)).one() == PAYLOAD
                db.session.remove()

                downgrade(revision=BEFORE)
                with db.engine.connect() as conn:
                    (name, email, message), payload = _raw(conn)
                assert (name, email, message) == (
                    "Hortensia Villaseñor",
                    "hortensia@example.org",
                    "She stays with her aunt",
                )
                assert (json.loads(payload) if isinstance(payload, str) else payload) == PAYLOAD
                db.session.remove()
                db.engine.dispose()
        finally:
            db.session = original_session
