"""timer claims: policies.timer_claimed_until, so one process fires a policy's due timers

Revision ID: 5e0a1c7d2b90
Revises: 08c8bcb82849
"""
import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = '5e0a1c7d2b90'
down_revision = '08c8bcb82849'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timer_claimed_until', workflows.storage.schema.UtcDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_column('timer_claimed_until')
