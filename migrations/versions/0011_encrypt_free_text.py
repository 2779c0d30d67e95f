"""encrypt the free text a person can fill with something identifying

Revision ID: 0011_encrypt_free_text
Revises: 0010_account_security

Hosts' names, addresses, phones and messages from the public booking form, the reasons given for
each step of a tour event and for booking despite a conflict (a speaker's reason for declining can
say where she hides), the descriptions of in-kind gifts, refund reasons, and the Stripe events kept
until their payment is known (they name the payer) become Fernet tokens (``EncryptedString``).
What is stored today is encrypted here, with the first key of FIELD_ENCRYPTION_KEYS; the
downgrade decrypts it again. No query looks these columns up, sorts or filters by them.

Kept in clear on purpose (every other String/Text column of the models is a code, an id or a
token hash): the sign-in email of accounts and the donors' email key (looked up on every sign-in
and gift); what the public tour page shows of a talk (title, city, venue, organisation, topic; on a
booking request they are the talk's, not the host's); speakers' alias, bios and topics (public by
design); campaign and fund texts (public); care providers' names and professional contacts (a
directory of services); housing site names (labels coordinators choose, unique); Stripe's codes
and the refused attempts' machine notes.
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app


revision = '0011_encrypt_free_text'
down_revision = '0010_account_security'
branch_labels = None
depends_on = None

# table -> {column: (type before, nullable)}
COLUMNS = {
    'tour_booking_requests': {'contact_name': (sa.String(length=120), False),
                              'contact_email': (sa.String(length=254), False),
                              'contact_phone': (sa.String(length=40), True),
                              'other_dates': (sa.Text(), True),
                              'message': (sa.Text(), True)},
    'tour_events': {'host_name': (sa.String(length=120), False),
                    'host_email': (sa.String(length=254), False)},
    'tour_event_steps': {'reason': (sa.Text(), True)},
    'tour_conflict_overrides': {'reason': (sa.Text(), False)},
    'giving_gifts': {'description': (sa.String(length=500), True)},
    'giving_refunds': {'reason': (sa.String(length=200), True)},
    'giving_stripe_events': {'payload': (sa.JSON(), True)},
}


def _cipher():
    return current_app.extensions['mexiles.field_cipher']


def _convert(table: str, columns, change) -> None:
    """Rewrite every stored value of the columns with ``change`` (encrypt or decrypt)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).mappings().all()
    for row in rows:
        values = {c: change(row[c]) for c in columns if row[c] is not None}
        if values:
            assignments = ", ".join(f"{c} = :{c}" for c in values)
            connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"), {**values, 'id': row['id']})


def upgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, (before, nullable) in columns.items():
                if not isinstance(before, sa.Text):
                    batch_op.alter_column(column, existing_type=before, type_=sa.Text(), existing_nullable=nullable,
                                          postgresql_using=f"{column}::text")
        _convert(table, list(columns), _cipher().encrypt)


def downgrade():
    for table, columns in COLUMNS.items():
        _convert(table, list(columns), _cipher().decrypt)
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, (before, nullable) in columns.items():
                if not isinstance(before, sa.Text):
                    using = f"{column}::json" if isinstance(before, sa.JSON) else None
                    batch_op.alter_column(column, existing_type=sa.Text(), type_=before, existing_nullable=nullable,
                                          postgresql_using=using)
