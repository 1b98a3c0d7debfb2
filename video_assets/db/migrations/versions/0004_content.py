"""content: feeds and their entries, per-platform packages on scripts, per-platform covers on renders

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feeds',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('last_polled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('entries_seen', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('requests_created', sa.Integer(), nullable=False, server_default='0'),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('url', name='uq_feeds_url')
    )
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feeds_created_at'), ['created_at'], unique=False)
    op.create_table('feed_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('feed_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Text(), nullable=False),
    sa.Column('entry_updated', sa.String(length=64), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['feed_id'], ['feeds.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['video_requests.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key', name='uq_feed_entries_idempotency_key')
    )
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_entries_feed_id'), ['feed_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feed_entries_created_at'), ['created_at'], unique=False)
    with op.batch_alter_table('video_scripts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platforms', sa.JSON(), nullable=True))
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_keys', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('rendered_videos', schema=None) as batch_op:
        batch_op.drop_column('cover_keys')
    with op.batch_alter_table('video_scripts', schema=None) as batch_op:
        batch_op.drop_column('platforms')
    with op.batch_alter_table('feed_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feed_entries_created_at'))
        batch_op.drop_index(batch_op.f('ix_feed_entries_feed_id'))
    op.drop_table('feed_entries')
    with op.batch_alter_table('feeds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feeds_created_at'))
    op.drop_table('feeds')
