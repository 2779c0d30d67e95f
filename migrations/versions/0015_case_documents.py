"""people: documents in the case file

Revision ID: 0015_case_documents
Revises: 0014_case_file

``case_documents``: one row per file of a case file; the file itself is encrypted in the document
store (mexiles.storage). A document is withdrawn or purged, never deleted: triggers refuse DELETE
(and TRUNCATE on PostgreSQL), a change of whose file a row is or where it is kept, and bringing a
purged document back.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_case_documents'
down_revision = '0014_case_file'
branch_labels = None
depends_on = None

MESSAGE = "case documents are withdrawn or purged, never deleted or swapped"


def upgrade():
    op.create_table('case_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dated_on', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('filename', sa.Text(), nullable=True),
    sa.Column('file_type', sa.String(length=8), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=32), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.Column('purged_at', sa.DateTime(), nullable=True),
    sa.Column('purged_by_id', sa.Integer(), nullable=True),
    sa.Column('purge_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("file_type IN ('pdf', 'jpeg', 'png', 'heic', 'docx')", name=op.f('ck_case_documents_file_type_known')),
    sa.CheckConstraint("kind IN ('identity', 'evidence', 'court_notice', 'medical', 'letter', 'receipt', 'other')", name=op.f('ck_case_documents_kind_known')),
    sa.CheckConstraint('(purged_at IS NULL) = (purged_by_id IS NULL)', name=op.f('ck_case_documents_purged_by_whom')),
    sa.CheckConstraint('(withdrawn_at IS NULL) = (withdrawn_by_id IS NULL)', name=op.f('ck_case_documents_withdrawn_by_whom')),
    sa.CheckConstraint('purged_at IS NOT NULL OR (filename IS NOT NULL AND description IS NOT NULL)', name=op.f('ck_case_documents_described')),
    sa.CheckConstraint('purged_at IS NULL OR (purge_reason IS NOT NULL AND withdrawn_at IS NOT NULL)', name=op.f('ck_case_documents_purge_told')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_case_documents_size_positive')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_case_documents_person_id_people'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['purged_by_id'], ['users.id'], name=op.f('fk_case_documents_purged_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_case_documents_uploaded_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_case_documents_withdrawn_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_documents')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_case_documents_storage_key'))
    )
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_documents_person_id'), ['person_id'], unique=False)
    keep_documents()


def keep_documents():
    swapped = ("NEW.person_id IS DISTINCT FROM OLD.person_id OR NEW.storage_key IS DISTINCT FROM OLD.storage_key"
               " OR (OLD.purged_at IS NOT NULL AND NEW.purged_at IS NULL)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION case_documents_kept() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NOT ({swapped}) THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("""
            CREATE TRIGGER case_documents_kept BEFORE UPDATE OR DELETE ON case_documents
            FOR EACH ROW EXECUTE FUNCTION case_documents_kept()
        """)
        op.execute("""
            CREATE TRIGGER case_documents_no_truncate BEFORE TRUNCATE ON case_documents
            FOR EACH STATEMENT EXECUTE FUNCTION case_documents_kept()
        """)
    else:
        op.execute(f"""
            CREATE TRIGGER case_documents_no_delete BEFORE DELETE ON case_documents
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """)
        op.execute(f"""
            CREATE TRIGGER case_documents_no_swap BEFORE UPDATE ON case_documents
            WHEN {swapped.replace('IS DISTINCT FROM', 'IS NOT')}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END
        """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_documents_no_truncate ON case_documents")
        op.execute("DROP TRIGGER case_documents_kept ON case_documents")
        op.execute("DROP FUNCTION case_documents_kept()")
    else:
        op.execute("DROP TRIGGER case_documents_no_swap")
        op.execute("DROP TRIGGER case_documents_no_delete")
    # The files stay in the store: a downgrade forgets where they are, it does not destroy evidence.
    with op.batch_alter_table('case_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_documents_person_id'))

    op.drop_table('case_documents')
