"""api keys: tenants, hashed keys, per-tenant idempotency, usage counters and the audit trail of the HTTP API

Revision ID: 0007_api_keys
Revises: 0006_render_review
Create Date: 2026-12-10 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_api_keys'
down_revision = '0006_render_review'
branch_labels = None
depends_on = None

# 0001 left the unique constraint on video_requests.idempotency_key unnamed: Postgres named it itself, SQLite did not.
POSTGRES_NAME = 'video_requests_idempotency_key_key'
SQLITE_CONVENTION = {'uq': 'uq_%(table_name)s_%(column_0_name)s'}


def _key_constraint_name() -> tuple[str, dict]:
    if op.get_bind().dialect.name == 'sqlite':
        return 'uq_video_requests_idempotency_key', {'naming_convention': SQLITE_CONVENTION}
    return POSTGRES_NAME, {}


def upgrade() -> None:
    op.create_table(
        'tenants',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('rate_per_window', sa.Integer(), nullable=True),
        sa.Column('daily_output_seconds', sa.Float(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name', name='uq_tenants_name'),
    )
    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('scopes', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('prefix', name='uq_api_keys_prefix'),
    )
    op.create_index('ix_api_keys_tenant_id', 'api_keys', ['tenant_id'])
    op.create_table(
        'api_idempotency',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('body_sha256', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('headers', sa.JSON(), nullable=True),
        sa.Column('body', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant', 'key', name='uq_api_idempotency_tenant_key'),
    )
    op.create_table(
        'api_usage',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant', 'kind', 'window_start', name='uq_api_usage_tenant_kind_window'),
    )
    op.create_table(
        'api_audit',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('tenant', sa.String(length=64), nullable=False),
        sa.Column('key_prefix', sa.String(length=16), nullable=False),
        sa.Column('method', sa.String(length=8), nullable=False),
        sa.Column('route', sa.Text(), nullable=False),
        sa.Column('call_id', sa.String(length=64), nullable=False),
        sa.Column('target', sa.String(length=64), nullable=True),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_api_audit_at', 'api_audit', ['at'])
    op.create_index('ix_api_audit_tenant', 'api_audit', ['tenant'])
    name, options = _key_constraint_name()
    with op.batch_alter_table('video_requests', schema=None, **options) as batch_op:
        batch_op.add_column(sa.Column('tenant', sa.String(length=64), nullable=False, server_default='local'))
        batch_op.drop_constraint(name, type_='unique')
        batch_op.create_unique_constraint('uq_video_requests_tenant_idempotency_key', ['tenant', 'idempotency_key'])
        batch_op.create_index('ix_video_requests_tenant', ['tenant'])


def downgrade() -> None:
    name, options = _key_constraint_name()
    with op.batch_alter_table('video_requests', schema=None, **options) as batch_op:
        batch_op.drop_index('ix_video_requests_tenant')
        batch_op.drop_constraint('uq_video_requests_tenant_idempotency_key', type_='unique')
        batch_op.create_unique_constraint(name, ['idempotency_key'])
        batch_op.drop_column('tenant')
    op.drop_index('ix_api_audit_tenant', table_name='api_audit')
    op.drop_index('ix_api_audit_at', table_name='api_audit')
    op.drop_table('api_audit')
    op.drop_table('api_usage')
    op.drop_table('api_idempotency')
    op.drop_index('ix_api_keys_tenant_id', table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('tenants')
