"""giving: name typed per gift, a customer per monthly gift, refund status, lost disputes

Revision ID: 0008_giving_fixes
Revises: 0007_housing_fixes

- ``giving_gifts.donor_name/donor_address`` and the same on ``giving_recurring_gifts``: what was
  typed with the gift, for its receipt, so that a gift from the public form never rewrites an
  existing donor's name or address.
- ``giving_recurring_gifts.stripe_customer_id``: the customer the subscription bills (filled from
  the donor for existing rows), so that a merge or an anonymous monthly gift keeps the right one.
- ``giving_refunds.status``: a failed or canceled refund no longer counts.
- ``giving_gifts.dispute_lost_cents/dispute_fee_cents`` and ``giving_disputes.fee_cents``: a lost
  dispute is kept apart from refunds.
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_giving_fixes'
down_revision = '0007_housing_fixes'
branch_labels = None
depends_on = None

REFUND_STATUSES = "status IN ('pending', 'succeeded', 'failed', 'canceled', 'requires_action')"


def upgrade():
    with op.batch_alter_table('giving_gifts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispute_lost_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('dispute_fee_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('donor_name', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('donor_address', sa.Text(), nullable=True))
        batch_op.create_check_constraint('dispute_sane', 'dispute_lost_cents >= 0 AND dispute_fee_cents >= 0')

    with op.batch_alter_table('giving_recurring_gifts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_customer_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('donor_name', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('donor_address', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_giving_recurring_gifts_stripe_customer_id'), ['stripe_customer_id'],
                              unique=False)
    op.execute("UPDATE giving_recurring_gifts SET stripe_customer_id = (SELECT d.stripe_customer_id FROM "
               "giving_donors d WHERE d.id = giving_recurring_gifts.donor_id) WHERE stripe_subscription_id IS NOT NULL")

    with op.batch_alter_table('giving_refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=16), server_default='succeeded', nullable=False))
        batch_op.create_check_constraint('status_known', REFUND_STATUSES)

    with op.batch_alter_table('giving_disputes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fee_cents', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('giving_disputes', schema=None) as batch_op:
        batch_op.drop_column('fee_cents')
    with op.batch_alter_table('giving_refunds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_giving_refunds_status_known'), type_='check')
        batch_op.drop_column('status')
    with op.batch_alter_table('giving_recurring_gifts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_giving_recurring_gifts_stripe_customer_id'))
        batch_op.drop_column('donor_address')
        batch_op.drop_column('donor_name')
        batch_op.drop_column('stripe_customer_id')
    with op.batch_alter_table('giving_gifts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_giving_gifts_dispute_sane'), type_='check')
        batch_op.drop_column('donor_address')
        batch_op.drop_column('donor_name')
        batch_op.drop_column('dispute_fee_cents')
        batch_op.drop_column('dispute_lost_cents')
