"""review evidence: the draft as each round left it (draft_rounds), and answers saved to
continue later beside each task (human_tasks.saved_answers, saved_at, saved_by)

Revision ID: 1bdd9b5d1d32
Revises: 03181f33d40f
"""
import sqlalchemy as sa
from alembic import op

import workflows.storage.schema

revision = '1bdd9b5d1d32'
down_revision = '03181f33d40f'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('draft_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('task_title', sa.String(length=200), nullable=False),
    sa.Column('saved_by', sa.String(length=80), nullable=False),
    sa.Column('saved_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('policy_id', 'number')
    )
    with op.batch_alter_table('draft_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draft_rounds_policy_id'), ['policy_id'], unique=False)

    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('saved_answers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('saved_at', workflows.storage.schema.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('saved_by', sa.String(length=80), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_column('saved_by')
        batch_op.drop_column('saved_at')
        batch_op.drop_column('saved_answers')

    with op.batch_alter_table('draft_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draft_rounds_policy_id'))

    op.drop_table('draft_rounds')
