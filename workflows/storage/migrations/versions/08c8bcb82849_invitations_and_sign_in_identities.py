"""invitations and sign-in identities (issue 16): one-time links for people to choose their own
password, and people as the trust's OpenID Connect provider names them (issuer and subject)

Revision ID: 08c8bcb82849
Revises: 288e3ac00547
"""
import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = '08c8bcb82849'
down_revision = '288e3ac00547'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_user_id'), ['user_id'], unique=False)

    op.create_table('signin_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_signed_in_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_signed_in_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issuer', 'subject')
    )
    with op.batch_alter_table('signin_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signin_identities_user_id'), ['user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('signin_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signin_identities_user_id'))

    op.drop_table('signin_identities')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_user_id'))

    op.drop_table('invitations')
