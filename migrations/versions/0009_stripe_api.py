"""giving: the API version of each Stripe event, and why the ledger could not place one

Revision ID: 0009_stripe_api
Revises: 0008_giving_fixes

- ``giving_stripe_events.api_version``: the version Stripe shaped the event's object in; staff see
  the events of another version than the one the app speaks.
- ``giving_stripe_events.note``: why an event is ``unplaced`` (the ledger could not place it).
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_stripe_api'
down_revision = '0008_giving_fixes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('giving_stripe_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_version', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('giving_stripe_events', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('api_version')
