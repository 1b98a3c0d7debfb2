"""api batches: up to 50 requests submitted in one HTTP call, each item's request id or problem

Revision ID: 0009_api_batches
Revises: 0008_render_timeline
Create Date: 2026-12-12 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_api_batches'
# Chained after the other helper's 0008 so that `upgrade head` has one head; the lead re-chains when committing.
down_revision = '0008_render_timeline'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_batches',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_api_batches_tenant', 'api_batches', ['tenant'])
    op.create_table(
        'api_batch_items',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('batch_id', sa.String(length=40), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.String(length=64), nullable=True),
        sa.Column('problem', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['batch_id'], ['api_batches.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('batch_id', 'position', name='uq_api_batch_items_batch_position'),
    )


def downgrade() -> None:
    op.drop_table('api_batch_items')
    op.drop_index('ix_api_batches_tenant', table_name='api_batches')
    op.drop_table('api_batches')
