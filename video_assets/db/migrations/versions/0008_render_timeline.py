"""render timeline: the frame-exact timeline a variant was rendered from, and its editable exports

Revision ID: 0008_render_timeline
Revises: 0007_api_keys
Create Date: 2026-12-07 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_render_timeline'
down_revision = '0007_api_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timeline_key', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('export_keys', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.drop_column('export_keys')
        batch_op.drop_column('timeline_key')
