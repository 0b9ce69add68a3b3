"""workflow state stored apart from policies, without its spec; inbox columns and indexes

Each policy's workflow moves from ``policies.workflow`` to ``workflow_states``
without the copy of the process spec the library embedded (the version's files
hold it), with the policy's current data beside it. Ready human tasks get what
the task page shows without loading a workflow (instructions rendered as the
engine now does when a task becomes ready, and the answers the form starts
with), and every task row its department for the inbox index. Running policies
carry on where they were.

Revision ID: 03181f33d40f
Revises: 24a780ad13b6
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '03181f33d40f'
down_revision = '24a780ad13b6'
branch_labels = None
depends_on = None

_SPEC_KEYS = ("spec", "subprocess_specs")


def _move_workflows(connection) -> None:
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from workflows.engine.codec import FORMAT, FORMAT_KEY
    from workflows.engine.instructions import render_instructions
    from workflows.engine.storable import to_json
    from workflows.engine.tasks import current_data, describe

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    policies = sa.table("policies", sa.column("id"), sa.column("workflow"), sa.column("department_id"))
    states = sa.table("workflow_states", sa.column("policy_id"), sa.column("state"), sa.column("data", sa.JSON))
    tasks = sa.table("human_tasks", sa.column("id"), sa.column("policy_id"), sa.column("element_id"),
                     sa.column("state"), sa.column("department_id"), sa.column("data_key"),
                     sa.column("instructions"), sa.column("prefill", sa.JSON))
    for policy_id, saved, department_id in connection.execute(
            sa.select(policies.c.id, policies.c.workflow, policies.c.department_id)).all():
        workflow = serializer.deserialize_json(saved)
        data = to_json(current_data(workflow))
        stored = {key: value for key, value in json.loads(saved).items() if key not in _SPEC_KEYS}
        stored[FORMAT_KEY] = FORMAT
        connection.execute(sa.insert(states).values(policy_id=policy_id, state=json.dumps(stored), data=data))
        ready = {str(task.id): task for task in workflow.get_tasks(state=TaskState.READY, manual=True)}
        for task_id, element_id, state in connection.execute(
                sa.select(tasks.c.id, tasks.c.element_id, tasks.c.state).where(tasks.c.policy_id == policy_id)).all():
            values = {"department_id": department_id, "data_key": element_id}
            spec = workflow.spec.task_specs.get(element_id)
            if spec is not None:
                values["data_key"] = dict(getattr(spec, "extensions", {}).get("properties", {})).get("dataKey") or element_id
            if state == "ready" and task_id in ready:
                described = describe(ready[task_id])
                context = {**data, **to_json(ready[task_id].data)}
                template = ready[task_id].task_spec.extensions.get("instructionsForEndUser") or ""
                prefill = context.get(described.data_key) if described.assignee is None else None
                values.update(instructions=render_instructions(template, context) if template else "",
                              prefill=prefill if isinstance(prefill, dict) else {})
            connection.execute(sa.update(tasks).where(tasks.c.id == task_id).values(**values))


def upgrade() -> None:
    op.create_table('workflow_states',
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['policies.id'], ),
    sa.PrimaryKeyConstraint('policy_id')
    )
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('data_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('instructions', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('prefill', sa.JSON(), nullable=True))

    _move_workflows(op.get_bind())

    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.alter_column('department_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('data_key', existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_index(batch_op.f('ix_human_tasks_ready'))
        batch_op.create_index('ix_human_tasks_inbox', ['state', 'lane', 'ready_since', 'id'], unique=False)
        batch_op.create_index('ix_human_tasks_inbox_department', ['state', 'department_id', 'lane', 'ready_since', 'id'], unique=False)
        batch_op.create_foreign_key('fk_human_tasks_department_id', 'departments', ['department_id'], ['id'])

    op.create_index('ix_policies_department_updated', 'policies', ['department_id', 'updated_at'], unique=False)
    op.create_index('ix_policies_updated_at', 'policies', ['updated_at'], unique=False)
    # Not a batch "recreate": on SQLite that drops the table, which the tables referring to policies forbid.
    op.execute("ALTER TABLE policies DROP COLUMN workflow")


def downgrade() -> None:
    raise NotImplementedError(
        "Workflows stored without their process spec cannot be put back into the old format; "
        "restore the database from a backup taken before upgrading.")
