"""request heartbeat: the step processes working on a request touch it, so a dead run worker can be told apart

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 16:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('video_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('video_requests', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
