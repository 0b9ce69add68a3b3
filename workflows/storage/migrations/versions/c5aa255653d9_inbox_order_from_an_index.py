"""inbox order from an index: human_tasks.due_order, filled in for existing tasks

Revision ID: c5aa255653d9
Revises: f35fbc22fe16
"""
import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = 'c5aa255653d9'
down_revision = 'f35fbc22fe16'
branch_labels = None
depends_on = None

_TASKS = sa.table("human_tasks", sa.column("due_at", workflows.storage.schema.UtcDateTime()),
                  sa.column("due_order", workflows.storage.schema.UtcDateTime()))


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_order', workflows.storage.schema.UtcDateTime(timezone=True), nullable=True))
    op.execute(_TASKS.update().where(_TASKS.c.due_at.is_not(None)).values(due_order=_TASKS.c.due_at))
    op.execute(_TASKS.update().where(_TASKS.c.due_at.is_(None))
               .values(due_order=sa.bindparam("no_due", workflows.storage.schema.NO_DUE_DATE,
                                              type_=workflows.storage.schema.UtcDateTime())))
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.alter_column('due_order', existing_type=workflows.storage.schema.UtcDateTime(timezone=True), nullable=False)
        batch_op.drop_index(batch_op.f('ix_human_tasks_inbox'))
        batch_op.create_index('ix_human_tasks_inbox', ['state', 'lane', 'due_order', 'ready_since', 'id'], unique=False)
        batch_op.drop_index(batch_op.f('ix_human_tasks_inbox_department'))
        batch_op.create_index('ix_human_tasks_inbox_department',
                              ['state', 'department_id', 'lane', 'due_order', 'ready_since', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_inbox_department')
        batch_op.create_index(batch_op.f('ix_human_tasks_inbox_department'),
                              ['state', 'department_id', 'lane', 'ready_since', 'id'], unique=False)
        batch_op.drop_index('ix_human_tasks_inbox')
        batch_op.create_index(batch_op.f('ix_human_tasks_inbox'), ['state', 'lane', 'ready_since', 'id'], unique=False)
        batch_op.drop_column('due_order')
