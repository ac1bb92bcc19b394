"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from crm.extensions import db

DATABASE_ONLY = {"ix_partners_search_trgm"}


def test_migrated_schema_matches_the_models(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda obj, name, *_: name not in DATABASE_ONLY,
            },
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_postgresql_has_the_trigram_search_index(app):
    if db.engine.dialect.name != "postgresql":
        return  # the index is PostgreSQL-only by design
    with db.engine.connect() as connection:
        indexdef = connection.exec_driver_sql(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_partners_search_trgm'"
        ).scalar_one()
    assert "gin_trgm_ops" in indexdef
