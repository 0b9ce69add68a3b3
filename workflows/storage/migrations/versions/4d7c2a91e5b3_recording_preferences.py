"""recording preferences: each person's standing preference on being recorded at work

Revision ID: 4d7c2a91e5b3
Revises: 9b3f6e2a7c41
"""
import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = '4d7c2a91e5b3'
down_revision = '9b3f6e2a7c41'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recording_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('screen_photos', sa.String(length=30), nullable=True),
    sa.Column('video', sa.String(length=30), nullable=True),
    sa.Column('audio', sa.String(length=30), nullable=True),
    sa.Column('conditions', sa.Text(), nullable=True),
    sa.Column('updated_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )


def downgrade() -> None:
    op.drop_table('recording_preferences')
