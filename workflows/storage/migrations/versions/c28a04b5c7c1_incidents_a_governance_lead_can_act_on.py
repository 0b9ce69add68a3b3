"""incidents a governance lead can act on: local reference, category, harm, support offered,
escalation and other patients captured (all nullable: earlier reports and API clients leave them out)

Revision ID: c28a04b5c7c1
Revises: 4d7c2a91e5b3
"""
import sqlalchemy as sa
from alembic import op

revision = 'c28a04b5c7c1'
down_revision = '4d7c2a91e5b3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('local_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('harm', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('support_offered', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('support_details', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('escalated_to', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('other_patients_captured', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('incidents', schema=None) as batch_op:
        batch_op.drop_column('other_patients_captured')
        batch_op.drop_column('escalated_to')
        batch_op.drop_column('support_details')
        batch_op.drop_column('support_offered')
        batch_op.drop_column('harm')
        batch_op.drop_column('category')
        batch_op.drop_column('local_reference')
