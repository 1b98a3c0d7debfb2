"""vendor breakers: circuit breaker rows and rate-limit buckets shared by every worker; script inputs digests

Revision ID: 0010_vendor_breakers
Revises: 0009_api_batches
Create Date: 2026-12-07 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010_vendor_breakers'
down_revision = '0009_api_batches'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'vendor_breakers',
        sa.Column('vendor', sa.String(length=128), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('outage_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_probe_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('probes', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('vendor'),
    )
    op.create_table(
        'vendor_rate_buckets',
        sa.Column('name', sa.String(length=128), nullable=False),
        sa.Column('level', sa.Float(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.add_column('video_scripts', sa.Column('inputs_digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column('video_scripts', 'inputs_digest')
    op.drop_table('vendor_rate_buckets')
    op.drop_table('vendor_breakers')
