"""render review: where a render that failed its checks is kept for a person to judge the verdict

Revision ID: 0006_render_review
Revises: 0005
Create Date: 2026-12-07 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_render_review'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_key', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.drop_column('review_key')
