"""request trace context: the W3C traceparent created at intake, so every stage of the request joins one trace

Revision ID: 0012_request_trace_context
Revises: 0011_api_uploads
Create Date: 2026-12-07 19:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012_request_trace_context'
down_revision = '0011_api_uploads'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('video_requests') as batch:
        batch.add_column(sa.Column('trace_context', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('video_requests') as batch:
        batch.drop_column('trace_context')
