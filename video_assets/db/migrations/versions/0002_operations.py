"""operations: merge job polling state, render script digests, resolvable dead letters

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 14:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('merge_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('backend', sa.String(length=32), nullable=False, server_default='easegen'))
        batch_op.add_column(sa.Column('script_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('progress', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_poll_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('poll_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('script_digest', sa.String(length=64), nullable=True))
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dead_letters', schema=None) as batch_op:
        batch_op.drop_column('resolved_at')
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.drop_column('script_digest')
    with op.batch_alter_table('merge_jobs', schema=None) as batch_op:
        for column in ('finished_at', 'poll_failures', 'next_poll_at', 'submitted_at', 'progress', 'script_digest', 'backend'):
            batch_op.drop_column(column)
