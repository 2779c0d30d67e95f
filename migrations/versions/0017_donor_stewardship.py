"""giving: stewardship (thanks), appeals by email, duplicate suggestions, campaign walls

Revision ID: 0017_donor_stewardship
Revises: 0016_assistance

- ``giving_donors`` gets the keys that suggest duplicates (``email_match``: the mailbox without a
  +tag or Gmail's dots; ``name_postal_key``: a keyed hash of the normalised name with the postal
  code), filled here for every donor (the names are decrypted with the app's keys, in memory), and
  the consent to appeals: when the donor opted in, unsubscribed, and when their address bounced;
- ``giving_gifts`` and ``giving_recurring_gifts`` get ``amount_shown`` (the campaign wall);
- ``giving_thanks``: who thanked a donor, when and how;
- ``giving_appeals``: an appeal's texts (encrypted like all free text), its segment, when it was sent.
"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa
from flask import current_app


revision = '0017_donor_stewardship'
down_revision = '0016_assistance'
branch_labels = None
depends_on = None

POSTAL_CODE = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
DOTLESS_HOSTS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def _normalise(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _mailbox(email):
    local, _, host = (email or "").strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if host in DOTLESS_HOSTS:
        local, host = local.replace(".", ""), DOTLESS_HOSTS[host]
    return f"{local}@{host}" if local else email.strip().lower()


def upgrade():
    with op.batch_alter_table('giving_donors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_match', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('name_postal_key', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('opted_in_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('unsubscribed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('bounced_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_giving_donors_email_match'), ['email_match'], unique=False)
        batch_op.create_index(batch_op.f('ix_giving_donors_name_postal_key'), ['name_postal_key'], unique=False)
    for table in ('giving_gifts', 'giving_recurring_gifts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('amount_shown', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('giving_thanks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=False),
    sa.Column('gift_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('thanked_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("method IN ('phone', 'letter', 'email', 'in_person')", name=op.f('ck_giving_thanks_method_known')),
    sa.ForeignKeyConstraint(['by_user_id'], ['users.id'], name=op.f('fk_giving_thanks_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['donor_id'], ['giving_donors.id'], name=op.f('fk_giving_thanks_donor_id_giving_donors'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['gift_id'], ['giving_gifts.id'], name=op.f('fk_giving_thanks_gift_id_giving_gifts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_giving_thanks'))
    )
    with op.batch_alter_table('giving_thanks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_giving_thanks_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_giving_thanks_gift_id'), ['gift_id'], unique=False)
    op.create_table('giving_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_en', sa.Text(), nullable=False),
    sa.Column('subject_es', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('body_es', sa.Text(), nullable=False),
    sa.Column('segment', sa.String(length=10), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.CheckConstraint("segment IN ('fund', 'lybunt', 'monthly', 'opted_in')", name=op.f('ck_giving_appeals_segment_known')),
    sa.CheckConstraint("segment <> 'fund' OR fund_id IS NOT NULL", name=op.f('ck_giving_appeals_fund_segment_names_fund')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_giving_appeals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fund_id'], ['giving_funds.id'], name=op.f('fk_giving_appeals_fund_id_giving_funds'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_giving_appeals'))
    )
    _fill_match_keys()


def _fill_match_keys():
    cipher = current_app.extensions['mexiles.field_cipher']
    connection = op.get_bind()
    for row in connection.execute(sa.text("SELECT id, email_key, name, address FROM giving_donors")).mappings().all():
        name = _normalise(cipher.decrypt(row['name'])) if row['name'] else ""
        postal = POSTAL_CODE.findall(cipher.decrypt(row['address'])) if row['address'] else []
        key = cipher.digest("donor-name-postal", f"{name}|{postal[-1]}") if name and postal else None
        connection.execute(
            sa.text("UPDATE giving_donors SET email_match = :email, name_postal_key = :key WHERE id = :id"),
            {'email': _mailbox(row['email_key']), 'key': key, 'id': row['id']},
        )


def downgrade():
    # Columns are dropped in place (ALTER TABLE DROP COLUMN): batch mode would recreate giving_donors,
    # which the gifts' foreign keys hold on to.
    op.drop_table('giving_appeals')
    op.drop_index(op.f('ix_giving_thanks_gift_id'), table_name='giving_thanks')
    op.drop_index(op.f('ix_giving_thanks_donor_id'), table_name='giving_thanks')
    op.drop_table('giving_thanks')
    for table in ('giving_recurring_gifts', 'giving_gifts'):
        op.execute(f"ALTER TABLE {table} DROP COLUMN amount_shown")
    op.drop_index(op.f('ix_giving_donors_name_postal_key'), table_name='giving_donors')
    op.drop_index(op.f('ix_giving_donors_email_match'), table_name='giving_donors')
    for column in ('bounced_at', 'unsubscribed_at', 'opted_in_at', 'name_postal_key', 'email_match'):
        op.execute(f"ALTER TABLE giving_donors DROP COLUMN {column}")
