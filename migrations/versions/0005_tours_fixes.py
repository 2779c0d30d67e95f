"""speaking tours: encrypted home city and unavailability note; one reminder stamp per recipient

Revision ID: 0005_tours_fixes
Revises: 0004_housing

``tour_speakers.home_city`` and ``tour_unavailability.note`` become EncryptedString columns (Fernet
tokens in TEXT). Only the column type changes here: values already stored in plain text are NOT
encrypted by this migration and would fail to decrypt afterwards. No deployment holds tour data yet;
a development database seeded before this revision should be rebuilt (``rm instance/mexiles.sqlite3;
make run``), or its plain values cleared, before upgrading.

``tour_events.reminder_sent_at`` splits into ``speaker_reminded_at`` and ``host_reminded_at``; an
event already reminded keeps its stamp in both, so nobody is reminded twice.

``tour_booking_requests.flagged_spam``: requests that filled in the honeypot are kept for review.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_tours_fixes'
down_revision = '0004_housing'
branch_labels = None
depends_on = None

COLUMNS = (('tour_speakers', 'home_city', sa.String(length=120)),
           ('tour_unavailability', 'note', sa.String(length=200)))


def _retype(table, column, old, new):
    if op.get_bind().dialect.name != 'sqlite':
        op.alter_column(table, column, existing_type=old, type_=new, existing_nullable=True)
        return
    # SQLite cannot change a column's type in place, and a batch copy of tour_speakers would drop the
    # table, which (with foreign keys on) deletes the unavailable days that cascade from it and is
    # refused by the events that restrict it. So: a new column, the values copied, the old one dropped.
    staging = f'{column}_retyped'
    op.execute(f'ALTER TABLE {table} ADD COLUMN {staging} {new.compile(dialect=op.get_bind().dialect)}')
    op.execute(f'UPDATE {table} SET {staging} = {column}')
    op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    op.execute(f'ALTER TABLE {table} RENAME COLUMN {staging} TO {column}')


def upgrade():
    for table, column, old in COLUMNS:
        _retype(table, column, old, sa.Text())
    op.add_column('tour_events', sa.Column('speaker_reminded_at', sa.DateTime(), nullable=True))
    op.add_column('tour_events', sa.Column('host_reminded_at', sa.DateTime(), nullable=True))
    op.execute('UPDATE tour_events SET speaker_reminded_at = reminder_sent_at, host_reminded_at = reminder_sent_at')
    op.drop_column('tour_events', 'reminder_sent_at')
    op.add_column('tour_booking_requests',
                  sa.Column('flagged_spam', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    # Before this revision robots' requests were not kept; they would land in the inbox as real ones.
    op.execute('DELETE FROM tour_booking_requests WHERE flagged_spam')
    op.drop_column('tour_booking_requests', 'flagged_spam')
    op.add_column('tour_events', sa.Column('reminder_sent_at', sa.DateTime(), nullable=True))
    # Only an event both were reminded of counts as reminded in the old scheme.
    op.execute('UPDATE tour_events SET reminder_sent_at = host_reminded_at WHERE speaker_reminded_at IS NOT NULL')
    op.drop_column('tour_events', 'host_reminded_at')
    op.drop_column('tour_events', 'speaker_reminded_at')
    # Encrypted tokens outgrow the old lengths: on PostgreSQL, empty these columns before downgrading.
    for table, column, old in COLUMNS:
        _retype(table, column, sa.Text(), old)
