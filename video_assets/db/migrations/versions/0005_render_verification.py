"""render verification: the measurements the render checks read, and each render stage's seconds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 19:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('stage_seconds', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.drop_column('stage_seconds')
        batch_op.drop_column('verification')
