"""api uploads: presigned S3 POST forms handed out per tenant, so only that tenant may use the object as a material

Revision ID: 0011_api_uploads
Revises: 0010_vendor_breakers
Create Date: 2026-12-14 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_api_uploads'
down_revision = '0010_vendor_breakers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'api_uploads',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=False),
        sa.Column('bucket', sa.String(length=255), nullable=False),
        sa.Column('key', sa.String(length=512), nullable=False),
        sa.Column('content_type', sa.String(length=128), nullable=False),
        sa.Column('max_bytes', sa.BigInteger(), nullable=False),
        sa.Column('form_expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', name='uq_api_uploads_key'),
    )
    op.create_index('ix_api_uploads_tenant', 'api_uploads', ['tenant'])


def downgrade() -> None:
    op.drop_index('ix_api_uploads_tenant', table_name='api_uploads')
    op.drop_table('api_uploads')
