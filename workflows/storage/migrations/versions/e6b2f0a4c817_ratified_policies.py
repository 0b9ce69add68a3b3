"""ratified policies: initial and residual risk ratings, version labels, early-review reasons, guidance versions

Revision ID: e6b2f0a4c817
Revises: a0bef679fa6b
"""
import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = 'e6b2f0a4c817'
down_revision = 'a0bef679fa6b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_rating_initial', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('published_version', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('early_review_reason', sa.Text(), nullable=True))
    op.create_table('guidance_versions',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('title', sa.String(length=300), nullable=False),
                    sa.Column('issued_on', sa.Date(), nullable=False),
                    sa.Column('recorded_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=False),
                    sa.Column('recorded_by', sa.String(length=80), nullable=False),
                    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('guidance_versions')
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_column('early_review_reason')
        batch_op.drop_column('published_version')
        batch_op.drop_column('risk_rating_initial')
