"""Storage: the tables (``schema``), the one place that commits (``database``), the
audit trail (``audit``) and the Alembic migrations (``migrations/``).

Imports nothing else from ``workflows`` but its errors: every other package
stands on it. The migration scripts are not modules of this package: Alembic
runs them from their files, at the top of the stack, so a data migration may
read stored workflows through the engine (``03181f33d40f`` does).
"""
