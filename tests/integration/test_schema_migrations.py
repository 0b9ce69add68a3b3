"""The database schema comes from migrations, and they match the tables the code uses."""
from __future__ import annotations

from sqlalchemy import inspect

from tests.conftest import PASSWORD
from workflows.storage.schema import Base


def test_migrations_create_every_table_and_nothing_is_left_unmigrated(store_services):
    database = store_services.database
    assert set(inspect(database.engine).get_table_names()) >= set(Base.metadata.tables)
    database.check_migrations()  # raises when schema.py changed without a migration


def test_upgrading_an_up_to_date_database_is_harmless(store_services, store_people):
    store_services.database.create_schema()
    assert store_services.accounts.authenticate("mary", PASSWORD) is not None
