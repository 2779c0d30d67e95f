"""housing: a stay waiting for a move to another site remembers its former end

Revision ID: 0007_housing_fixes
Revises: 0006_giving

``housing_placements.end_before_move``: when a move to another site is planned for a later day,
the stay being left keeps the end date it had before, so that calling the move off gives it back.
A plain ADD COLUMN: on SQLite the table is not rebuilt, so the person-nights triggers of
0004_housing stay in place.
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_housing_fixes'
down_revision = '0006_giving'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('housing_placements', sa.Column('end_before_move', sa.Date(), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35+ too), so that SQLite keeps the table and its triggers.
    op.execute("ALTER TABLE housing_placements DROP COLUMN end_before_move")
