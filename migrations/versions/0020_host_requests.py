"""tours: the host's own page (issue 16, item 2)

Revision ID: 0020_host_requests
Revises: 0019_assistance_receipts

- ``tour_booking_requests`` gets the host's private link: the SHA-256 of its secret (a unique index:
  adding a unique constraint would make SQLite rebuild the table, which the events' foreign keys
  hold on to), when the link stops working, and when the host withdrew the request;
- ``tour_time_proposals``: another time a host proposes, and the coordinator's answer; one open
  proposal per request.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020_host_requests'
down_revision = '0019_assistance_receipts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tour_booking_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('host_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('host_link_expires_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tour_booking_requests_host_token_hash'), ['host_token_hash'], unique=True)
    op.create_table('tour_time_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'accepted', 'declined', 'replaced', 'withdrawn')", name=op.f('ck_tour_time_proposals_status_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_tour_time_proposals_ends_after_start')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_tour_time_proposals_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['tour_booking_requests.id'], name=op.f('fk_tour_time_proposals_request_id_tour_booking_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tour_time_proposals'))
    )
    with op.batch_alter_table('tour_time_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tour_time_proposals_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tour_time_proposals_request_id'), ['request_id'], unique=False)
        batch_op.create_index('uq_tour_time_proposals_one_open', ['request_id'], unique=True,
                              sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))


def downgrade():
    op.drop_index('uq_tour_time_proposals_one_open', table_name='tour_time_proposals')
    op.drop_index(op.f('ix_tour_time_proposals_request_id'), table_name='tour_time_proposals')
    op.drop_index(op.f('ix_tour_time_proposals_decided_by_id'), table_name='tour_time_proposals')
    op.drop_table('tour_time_proposals')
    # Dropped in place (ALTER TABLE DROP COLUMN): batch mode would rebuild tour_booking_requests.
    op.drop_index(op.f('ix_tour_booking_requests_host_token_hash'), table_name='tour_booking_requests')
    for column in ('withdrawn_at', 'host_link_expires_at', 'host_token_hash'):
        op.execute(f"ALTER TABLE tour_booking_requests DROP COLUMN {column}")
