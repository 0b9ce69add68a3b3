"""drafts deployed as a version: a deployed draft leaves "Drafts in progress" and names its version

Revision ID: d4a7e1c93b58
Revises: c28a04b5c7c1
"""
import sqlalchemy as sa
from alembic import op

revision = 'd4a7e1c93b58'
down_revision = 'c28a04b5c7c1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deployed_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('process_drafts', schema=None) as batch_op:
        batch_op.drop_column('deployed_version')
