"""assistance: emergency assistance requests, decisions and payments

Revision ID: 0016_assistance
Revises: 0015_case_documents

One table, ``assistance_requests``: a request for a person, an admin's decision (never by the one who
asked: a CHECK), and the payment. ``receipt_document_id`` will name the receipt among the case
file's documents (no foreign key until that table exists).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_assistance'
down_revision = '0015_case_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assistance_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('over_balance', sa.Boolean(), nullable=False),
    sa.Column('override_reason', sa.Text(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('paid_by_id', sa.Integer(), nullable=True),
    sa.Column('receipt_document_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'paid') = (paid_on IS NOT NULL AND method IS NOT NULL)", name=op.f('ck_assistance_requests_paid_has_payment')),
    sa.CheckConstraint("(status = 'requested') = (decided_by_id IS NULL AND decided_at IS NULL)", name=op.f('ck_assistance_requests_decided_when_not_waiting')),
    sa.CheckConstraint("category IN ('transport', 'medicine', 'phone', 'rent', 'filing_fee', 'translation', 'food', 'other')", name=op.f('ck_assistance_requests_category_known')),
    sa.CheckConstraint("method IS NULL OR method IN ('cash', 'check', 'card', 'vendor')", name=op.f('ck_assistance_requests_method_known')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'declined', 'paid')", name=op.f('ck_assistance_requests_status_known')),
    sa.CheckConstraint('NOT over_balance OR override_reason IS NOT NULL', name=op.f('ck_assistance_requests_override_has_reason')),
    sa.CheckConstraint('amount_cents > 0 AND amount_cents <= 1000000000', name=op.f('ck_assistance_requests_amount_bounded')),
    sa.CheckConstraint('decided_by_id IS NULL OR decided_by_id <> requested_by_id', name=op.f('ck_assistance_requests_not_self_decided')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_assistance_requests_decided_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['fund_id'], ['giving_funds.id'], name=op.f('fk_assistance_requests_fund_id_giving_funds'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['paid_by_id'], ['users.id'], name=op.f('fk_assistance_requests_paid_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_assistance_requests_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_assistance_requests_requested_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistance_requests'))
    )
    with op.batch_alter_table('assistance_requests', schema=None) as batch_op:
        batch_op.create_index('ix_assistance_requests_fund_status_paid', ['fund_id', 'status', 'paid_on'], unique=False, postgresql_include=['amount_cents', 'category', 'person_id'])
        batch_op.create_index(batch_op.f('ix_assistance_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_assistance_requests_status_requested', ['status', 'requested_at'], unique=False)



def downgrade():
    with op.batch_alter_table('assistance_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_assistance_requests_status_requested')
        batch_op.drop_index(batch_op.f('ix_assistance_requests_person_id'))
        batch_op.drop_index('ix_assistance_requests_fund_status_paid', postgresql_include=['amount_cents', 'category', 'person_id'])

    op.drop_table('assistance_requests')
