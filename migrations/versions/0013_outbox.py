"""outbox: the jobs table (mail, receipts and statements waiting to be delivered)

Revision ID: 0013_outbox
Revises: 0012_tours_speaker_busy
"""
from alembic import op
import sqlalchemy as sa


revision = '0013_outbox'
down_revision = '0012_tours_speaker_busy'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('run_after', sa.DateTime(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'done', 'dead')", name=op.f('ck_jobs_status_known')),
        sa.CheckConstraint('attempts >= 0', name=op.f('ck_jobs_attempts_sane')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
        sa.UniqueConstraint('key', name=op.f('uq_jobs_key')),
    )
    op.create_index('ix_jobs_status_run_after', 'jobs', ['status', 'run_after'], unique=False)


def downgrade():
    op.drop_index('ix_jobs_status_run_after', table_name='jobs')
    op.drop_table('jobs')
