"""the receipt of an assistance payment is a document of the same person's case file

Revision ID: 0019_assistance_receipts
Revises: 0018_public_availability

``assistance_requests.receipt_document_id`` gets its foreign key, together with ``person_id``, to
``case_documents (id, person_id)`` (a unique index there: SQLite adds an index without rebuilding the
table, whose triggers keep documents from being deleted), so a receipt can only be one of the
request's person's documents; and only a paid request has a receipt.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_assistance_receipts'
down_revision = '0018_public_availability'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('uq_case_documents_id_person_id', 'case_documents', ['id', 'person_id'], unique=True)
    with op.batch_alter_table('assistance_requests', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_assistance_requests_receipt_when_paid'), "receipt_document_id IS NULL OR status = 'paid'"
        )
        batch_op.create_foreign_key(
            'fk_assistance_requests_receipt_of_the_person',
            'case_documents',
            ['receipt_document_id', 'person_id'],
            ['id', 'person_id'],
            ondelete='RESTRICT',
        )


def downgrade():
    with op.batch_alter_table('assistance_requests', schema=None) as batch_op:
        batch_op.drop_constraint('fk_assistance_requests_receipt_of_the_person', type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_assistance_requests_receipt_when_paid'), type_='check')
    op.drop_index('uq_case_documents_id_person_id', table_name='case_documents')
