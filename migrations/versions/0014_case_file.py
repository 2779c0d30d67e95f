"""people: the case file (notes, the immigration case, deadlines and tasks, the deadline feed)

Revision ID: 0014_case_file
Revises: 0013_outbox

- ``case_notes`` and ``case_note_pins`` are append-only: triggers refuse UPDATE and DELETE (and
  TRUNCATE on PostgreSQL), except that ``flask keys rotate`` may rewrite a note's ciphertext while
  its ``key_rotations`` row exists;
- each person's free-text ``people.notes`` becomes their first case note (the ciphertext is copied
  as it is: same keys, same format), then the column goes;
- each person's immigration ``case_status`` becomes the stage of their immigration case, their
  ``hearing_date`` a hearing with its deadline, and their arrival date their I-589 deadline; the two
  columns go (the hearing date's ciphertext is copied as it is);
- ``tour_speaker_people``: a speaker who is also a person served, so their talks join the file.

On SQLite, columns of ``people`` are dropped in place (ALTER TABLE DROP COLUMN), not by batch mode: batch
mode drops and recreates the table, and with foreign keys on, dropping ``people`` would cascade to
every household member and case team.
"""
from alembic import op
import sqlalchemy as sa
import datetime as dt


# revision identifiers, used by Alembic.
revision = '0014_case_file'
down_revision = '0013_outbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('key_rotations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_rotations'))
    )
    op.create_table('case_deadline_feeds',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_deadline_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_case_deadline_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_case_deadline_feeds_token_hash'))
    )
    op.create_table('case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_notes_author_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_case_notes_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['case_notes.id'], name=op.f('fk_case_notes_supersedes_id_case_notes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes')),
    sa.UniqueConstraint('supersedes_id', name=op.f('uq_case_notes_supersedes_id'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_notes_person_id'), ['person_id'], unique=False)

    op.create_table('case_reminder_digests',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_case_reminder_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_case_reminder_digests'))
    )
    op.create_table('immigration_cases',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('a_number', sa.Text(), nullable=True),
    sa.Column('attorney', sa.Text(), nullable=True),
    sa.Column('court', sa.Text(), nullable=True),
    sa.Column('hearing_location', sa.Text(), nullable=True),
    sa.Column('credible_fear_on', sa.Date(), nullable=True),
    sa.Column('parole_requested_on', sa.Date(), nullable=True),
    sa.Column('parole_decision', sa.String(length=8), nullable=True),
    sa.Column('parole_decided_on', sa.Date(), nullable=True),
    sa.Column('removal_proceedings_on', sa.Date(), nullable=True),
    sa.Column('i589_filed_on', sa.Date(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('decision_on', sa.Date(), nullable=True),
    sa.Column('appeal_filed_on', sa.Date(), nullable=True),
    sa.Column('appeal_decided_on', sa.Date(), nullable=True),
    sa.Column('other_relief', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("decision IS NULL OR decision IN ('granted', 'denied', 'withdrawn')", name=op.f('ck_immigration_cases_decision_known')),
    sa.CheckConstraint("parole_decision IS NULL OR parole_decision IN ('granted', 'denied')", name=op.f('ck_immigration_cases_parole_decision_known')),
    sa.CheckConstraint("stage IN ('arrived', 'credible_fear_interview', 'credible_fear_passed', 'parole_requested', 'parole_granted', 'parole_denied', 'removal_proceedings', 'i589_filed', 'hearings', 'granted', 'denied', 'withdrawn', 'appeal_filed', 'appeal_decided', 'other_relief')", name=op.f('ck_immigration_cases_stage_known')),
    sa.CheckConstraint('(decision IS NULL) = (decision_on IS NULL)', name=op.f('ck_immigration_cases_decision_dated')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_immigration_cases_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_immigration_cases'))
    )
    op.create_table('immigration_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Text(), nullable=False),
    sa.Column('time_of_day', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('hearing', 'check_in')", name=op.f('ck_immigration_dates_kind_known')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_immigration_dates_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_immigration_dates'))
    )
    with op.batch_alter_table('immigration_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_immigration_dates_person_id'), ['person_id'], unique=False)

    op.create_table('immigration_detentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('facility', sa.Text(), nullable=True),
    sa.Column('from_on', sa.Date(), nullable=True),
    sa.Column('to_on', sa.Date(), nullable=True),
    sa.Column('released_how', sa.String(length=16), nullable=True),
    sa.CheckConstraint("released_how IS NULL OR released_how IN ('parole', 'bond', 'transferred', 'other')", name=op.f('ck_immigration_detentions_release_known')),
    sa.CheckConstraint('released_how IS NULL OR to_on IS NOT NULL', name=op.f('ck_immigration_detentions_release_dated')),
    sa.CheckConstraint('to_on IS NULL OR to_on >= from_on', name=op.f('ck_immigration_detentions_dates_in_order')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_immigration_detentions_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_immigration_detentions'))
    )
    with op.batch_alter_table('immigration_detentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_immigration_detentions_person_id'), ['person_id'], unique=False)

    op.create_table('case_note_pins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_case_note_pins_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['note_id'], ['case_notes.id'], name=op.f('fk_case_note_pins_note_id_case_notes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_note_pins'))
    )
    with op.batch_alter_table('case_note_pins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_note_pins_note_id'), ['note_id'], unique=False)

    op.create_table('case_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('case_date_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('due_on', sa.Text(), nullable=False),
    sa.Column('due_time', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(source IN ('hearing', 'check_in')) = (case_date_id IS NOT NULL)", name=op.f('ck_case_tasks_dated_from_date')),
    sa.CheckConstraint("source <> 'hand' OR title IS NOT NULL", name=op.f('ck_case_tasks_hand_task_titled')),
    sa.CheckConstraint("source IN ('hand', 'i589', 'appeal', 'hearing', 'check_in')", name=op.f('ck_case_tasks_source_known')),
    sa.CheckConstraint('done_by_id IS NULL OR done_on IS NOT NULL', name=op.f('ck_case_tasks_done_dated')),
    sa.ForeignKeyConstraint(['case_date_id'], ['immigration_dates.id'], name=op.f('fk_case_tasks_case_date_id_immigration_dates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_tasks_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_case_tasks_done_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_case_tasks_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_case_tasks_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_tasks')),
    sa.UniqueConstraint('case_date_id', name=op.f('uq_case_tasks_case_date_id'))
    )
    with op.batch_alter_table('case_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_tasks_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_tasks_person_id'), ['person_id'], unique=False)
        batch_op.create_index('uq_case_tasks_one_per_law', ['person_id', 'source'], unique=True, sqlite_where=sa.text("source IN ('i589', 'appeal')"), postgresql_where=sa.text("source IN ('i589', 'appeal')"))

    # Nothing lost: every person's notes become a first note, dated when the record last changed.
    op.execute("INSERT INTO case_notes (person_id, body, author_id, created_at)"
               " SELECT id, notes, NULL, updated_at FROM people WHERE notes IS NOT NULL ORDER BY id")
    op.execute("ALTER TABLE people DROP COLUMN notes")
    move_case_status_and_hearing()
    for column in ("case_status", "hearing_date"):
        op.execute(f"ALTER TABLE people DROP COLUMN {column}")
    op.create_table('tour_speaker_people',
    sa.Column('speaker_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_tour_speaker_people_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['speaker_id'], ['tour_speakers.id'], name=op.f('fk_tour_speaker_people_speaker_id_tour_speakers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('speaker_id', name=op.f('pk_tour_speaker_people')),
    sa.UniqueConstraint('person_id', name=op.f('uq_tour_speaker_people_person_id'))
    )
    make_notes_append_only()


# The record's old case status, as a stage of the immigration case (detention became its own record).
STAGE_OF_STATUS = {"credible_fear_pending": "credible_fear_interview", "credible_fear_passed": "credible_fear_passed",
                   "in_detention": "arrived", "hearing_scheduled": "hearings", "asylum_granted": "granted",
                   "asylum_denied_appeal": "appeal_filed", "other": "other_relief"}
STATUS_OF_STAGE = {stage: status for status, stage in STAGE_OF_STATUS.items() if status != "in_detention"}


def _one_year_after(day: dt.date) -> dt.date:
    """As services.deadlines.one_year_after (a migration keeps its own copy of the rule it applied)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def move_case_status_and_hearing():
    from mexiles.crypto import cipher

    conn = op.get_bind()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    people = conn.execute(sa.text("SELECT id, case_status, hearing_date, arrival_date FROM people ORDER BY id")).all()
    for person_id, status, hearing, arrival in people:
        status = cipher().decrypt(status) if status else None
        if status:
            conn.execute(sa.text("INSERT INTO immigration_cases (person_id, stage, updated_at) VALUES (:p, :s, :at)"),
                         {"p": person_id, "s": STAGE_OF_STATUS.get(status, "other_relief"), "at": now})
        if status == "in_detention":
            conn.execute(sa.text("INSERT INTO immigration_detentions (person_id) VALUES (:p)"), {"p": person_id})
        if hearing:
            date_id = conn.execute(sa.text("INSERT INTO immigration_dates (person_id, kind, day)"
                                           " VALUES (:p, 'hearing', :day) RETURNING id"),
                                   {"p": person_id, "day": hearing}).scalar()
            conn.execute(sa.text("INSERT INTO case_tasks (person_id, source, case_date_id, due_on, created_at)"
                                 " VALUES (:p, 'hearing', :d, :due, :at)"),
                         {"p": person_id, "d": date_id, "due": hearing, "at": now})
        if arrival:
            due = _one_year_after(dt.date.fromisoformat(str(arrival)[:10]))
            conn.execute(sa.text("INSERT INTO case_tasks (person_id, source, due_on, created_at)"
                                 " VALUES (:p, 'i589', :due, :at)"),
                         {"p": person_id, "due": cipher().encrypt(due.isoformat()), "at": now})


def restore_case_status_and_hearing():
    from mexiles.crypto import cipher

    conn = op.get_bind()
    for person_id, stage in conn.execute(sa.text("SELECT person_id, stage FROM immigration_cases")).all():
        status = STATUS_OF_STAGE.get(stage, "other")
        conn.execute(sa.text("UPDATE people SET case_status = :s WHERE id = :p"),
                     {"s": cipher().encrypt(status), "p": person_id})
    conn.execute(sa.text("UPDATE people SET hearing_date = (SELECT day FROM immigration_dates"
                         " WHERE immigration_dates.person_id = people.id AND kind = 'hearing'"
                         " ORDER BY immigration_dates.id LIMIT 1)"))


NOTE_COLUMNS = ("id", "person_id", "author_id", "created_at", "supersedes_id")


def make_notes_append_only():
    message = "case notes cannot be changed or deleted"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION case_notes_append_only() RETURNS trigger AS $$
            BEGIN
                -- Key rotation rewrites a note's ciphertext and nothing else.
                IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'case_notes' AND EXISTS (SELECT 1 FROM key_rotations)
                   AND (to_jsonb(NEW) - 'body') = (to_jsonb(OLD) - 'body') THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{message}';
            END;
            $$ LANGUAGE plpgsql
        """)
        for table in ("case_notes", "case_note_pins"):
            op.execute(f"""
                CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION case_notes_append_only()
            """)
            op.execute(f"""
                CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION case_notes_append_only()
            """)
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in NOTE_COLUMNS)
        op.execute(f"""
            CREATE TRIGGER case_notes_no_update BEFORE UPDATE ON case_notes
            WHEN NOT EXISTS (SELECT 1 FROM key_rotations) OR {changed}
            BEGIN SELECT RAISE(ABORT, '{message}'); END
        """)
        op.execute(f"""
            CREATE TRIGGER case_notes_no_delete BEFORE DELETE ON case_notes
            BEGIN SELECT RAISE(ABORT, '{message}'); END
        """)
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER case_note_pins_no_{verb.lower()} BEFORE {verb} ON case_note_pins
                BEGIN SELECT RAISE(ABORT, '{message}'); END
            """)


def drop_note_triggers():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("case_notes", "case_note_pins"):
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION case_notes_append_only()")
    else:
        for name in ("case_notes_no_update", "case_notes_no_delete", "case_note_pins_no_update",
                     "case_note_pins_no_delete"):
            op.execute(f"DROP TRIGGER {name}")


def downgrade():
    drop_note_triggers()
    op.drop_table('tour_speaker_people')
    # The free-text field holds one text: each person's first note goes back into it.
    op.execute("ALTER TABLE people ADD COLUMN notes TEXT")
    op.execute("ALTER TABLE people ADD COLUMN case_status TEXT")
    op.execute("ALTER TABLE people ADD COLUMN hearing_date TEXT")
    restore_case_status_and_hearing()
    op.execute("UPDATE people SET notes = (SELECT body FROM case_notes WHERE case_notes.person_id = people.id"
               " ORDER BY case_notes.id LIMIT 1)")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite's DROP TABLE deletes row by row, and a correction's RESTRICT key would refuse it.
        conn = op.get_bind()
        for (note_id,) in conn.execute(sa.text("SELECT id FROM case_notes ORDER BY id DESC")).all():
            conn.execute(sa.text("DELETE FROM case_note_pins WHERE note_id = :n"), {"n": note_id})
            conn.execute(sa.text("DELETE FROM case_notes WHERE id = :n"), {"n": note_id})

    with op.batch_alter_table('case_tasks', schema=None) as batch_op:
        batch_op.drop_index('uq_case_tasks_one_per_law', sqlite_where=sa.text("source IN ('i589', 'appeal')"), postgresql_where=sa.text("source IN ('i589', 'appeal')"))
        batch_op.drop_index(batch_op.f('ix_case_tasks_person_id'))
        batch_op.drop_index(batch_op.f('ix_case_tasks_owner_id'))

    op.drop_table('case_tasks')
    with op.batch_alter_table('case_note_pins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_note_pins_note_id'))

    op.drop_table('case_note_pins')
    with op.batch_alter_table('immigration_detentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_immigration_detentions_person_id'))

    op.drop_table('immigration_detentions')
    with op.batch_alter_table('immigration_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_immigration_dates_person_id'))

    op.drop_table('immigration_dates')
    op.drop_table('immigration_cases')
    op.drop_table('case_reminder_digests')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_notes_person_id'))

    op.drop_table('case_notes')
    op.drop_table('case_deadline_feeds')
    op.drop_table('key_rotations')
