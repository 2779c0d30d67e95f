"""speaking tours: a speaker is never held by two events at once, in any status that holds their time

Revision ID: 0012_tours_speaker_busy
Revises: 0011_encrypt_free_text

The PostgreSQL exclusion constraint ``ex_tour_events_speaker_busy`` covered only accepted, confirmed
and done events, so two coordinators saving at the same moment could each create a requested (or
offer an) overlapping event. It now covers every status that holds the speaker's time (requested,
offered, accepted, confirmed, done: ``services.HOLDING``). SQLite, which has no exclusion
constraints, gets triggers that refuse the same rows. Every event has a speaker and a time (both
columns are NOT NULL); a host's request without either is a ``tour_booking_requests`` row, not an
event, and holds nothing.

A database in which such events already overlap cannot take the constraint: the upgrade stops and
names them, for a coordinator to cancel or move one of each pair before upgrading again.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_tours_speaker_busy'
down_revision = '0011_encrypt_free_text'
branch_labels = None
depends_on = None

HOLDING = "('requested', 'offered', 'accepted', 'confirmed', 'done')"
OLD_HOLDING = "('accepted', 'confirmed', 'done')"
TRIGGERS = ("tr_tour_events_speaker_busy_insert", "tr_tour_events_speaker_busy_update")


def _constraint(statuses: str) -> str:
    return ("ALTER TABLE tour_events ADD CONSTRAINT ex_tour_events_speaker_busy EXCLUDE USING gist "
            f"(speaker_id WITH =, tsrange(starts_at, ends_at) WITH &&) WHERE (status IN {statuses})")


def _refuse_existing_overlaps() -> None:
    pairs = op.get_bind().execute(sa.text(f"""
        SELECT a.id, b.id FROM tour_events a JOIN tour_events b
          ON a.speaker_id = b.speaker_id AND a.id < b.id
         AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
         WHERE a.status IN {HOLDING} AND b.status IN {HOLDING}
         ORDER BY a.id, b.id""")).all()
    if pairs:
        listed = ", ".join(f"{a} and {b}" for a, b in pairs)
        raise RuntimeError(f"These tour events hold one speaker at the same time: {listed}. "
                           "Cancel or move one of each pair, then upgrade again.")


def upgrade():
    _refuse_existing_overlaps()
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("ALTER TABLE tour_events DROP CONSTRAINT ex_tour_events_speaker_busy")
        op.execute(_constraint(HOLDING))
    elif dialect == "sqlite":
        # Times are ISO text of one format, so they compare in order. Half-open spans: an event may
        # begin the minute the one before ends. A later batch migration that rebuilds tour_events
        # must recreate these (tests/tours/test_database.py fails if they are gone).
        for trigger, event, other_row in ((TRIGGERS[0], "INSERT", ""),
                                          (TRIGGERS[1], "UPDATE OF speaker_id, status, starts_at, ends_at",
                                           "AND e.id <> NEW.id ")):
            op.execute(f"""
                CREATE TRIGGER {trigger} BEFORE {event} ON tour_events
                WHEN NEW.status IN {HOLDING} AND EXISTS (
                    SELECT 1 FROM tour_events e
                    WHERE e.speaker_id = NEW.speaker_id {other_row}AND e.status IN {HOLDING}
                      AND e.starts_at < NEW.ends_at AND e.ends_at > NEW.starts_at)
                BEGIN SELECT RAISE(ABORT, 'ex_tour_events_speaker_busy'); END""")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("ALTER TABLE tour_events DROP CONSTRAINT ex_tour_events_speaker_busy")
        op.execute(_constraint(OLD_HOLDING))
    elif dialect == "sqlite":
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER {trigger}")
