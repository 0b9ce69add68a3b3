"""invitations accepted: invitations.accepted_at, told apart from those a newer link ended

An existing invitation was accepted when it was used and no newer invitation of the same
person was sent at that moment (sending one ends the older ones with its own time).

Revision ID: a0bef679fa6b
Revises: d4a7e1c93b58
"""
import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = 'a0bef679fa6b'
down_revision = 'd4a7e1c93b58'
branch_labels = None
depends_on = None

_INVITATIONS = sa.table("invitations", sa.column("user_id", sa.Integer()),
                        sa.column("created_at", workflows.storage.schema.UtcDateTime()),
                        sa.column("used_at", workflows.storage.schema.UtcDateTime()),
                        sa.column("accepted_at", workflows.storage.schema.UtcDateTime()))


def upgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=True))
    newer = _INVITATIONS.alias("newer")
    ended_by_a_newer_one = sa.exists().where(newer.c.user_id == _INVITATIONS.c.user_id,
                                             newer.c.created_at == _INVITATIONS.c.used_at)
    op.execute(_INVITATIONS.update().where(_INVITATIONS.c.used_at.is_not(None), ~ended_by_a_newer_one)
               .values(accepted_at=_INVITATIONS.c.used_at))


def downgrade() -> None:
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_column('accepted_at')
