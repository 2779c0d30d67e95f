"""tours: the public availability of speakers

Revision ID: 0018_public_availability
Revises: 0017_donor_stewardship

- ``tour_speakers.public_city``: the city the public tour page shows beside the public name (the
  home city stays encrypted and never shows);
- ``tour_booking_requests.speaker_id``: the speaker a host asked for (NULL: any speaker).
"""
from alembic import op
import sqlalchemy as sa


revision = '0018_public_availability'
down_revision = '0017_donor_stewardship'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tour_speakers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_city', sa.String(length=120), nullable=True))
    with op.batch_alter_table('tour_booking_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speaker_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tour_booking_requests_speaker_id'), ['speaker_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_tour_booking_requests_speaker_id_tour_speakers'),
            'tour_speakers', ['speaker_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('tour_booking_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tour_booking_requests_speaker_id_tour_speakers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tour_booking_requests_speaker_id'))
        batch_op.drop_column('speaker_id')
    with op.batch_alter_table('tour_speakers', schema=None) as batch_op:
        batch_op.drop_column('public_city')
