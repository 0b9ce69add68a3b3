"""auth (sign-in security): session version on users; expiry, revocation and last use of API
tokens; rate-limit windows for sign-in throttling

Revision ID: 24a780ad13b6
Revises: 8e17a3cdec2e
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = '24a780ad13b6'
down_revision = '8e17a3cdec2e'
branch_labels = None
depends_on = None

# Tokens made before tokens could expire get this long from the upgrade, so no
# integration breaks without warning; `policyflow token list` shows the date.
GRACE_FOR_EXISTING_TOKENS = timedelta(days=90)


def upgrade() -> None:
    op.create_table('rate_limit_windows',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('ends_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('rate_limit_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limit_windows_ends_at'), ['ends_at'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_used_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)
    tokens = sa.table('api_tokens', sa.column('expires_at', workflows.storage.schema.UtcDateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(timezone.utc) + GRACE_FOR_EXISTING_TOKENS))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=workflows.storage.schema.UtcDateTime(timezone=True), nullable=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
        batch_op.drop_column('last_used_at')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')

    with op.batch_alter_table('rate_limit_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limit_windows_ends_at'))

    op.drop_table('rate_limit_windows')
