"""Storage: the tables (``schema``), the one place that commits (``database``), the
audit trail (``audit``) and the Alembic migrations (``migrations/``).

Imports nothing else from ``workflows`` but its errors: every other package
stands on it.
"""
