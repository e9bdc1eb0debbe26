"""Alembic environment of the annotation database: its own scripts and version table, on notes.db's connection."""

from alembic import context

from notes.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    version_table="notes_alembic_version",  # never the store's alembic_version, even in a shared database
)
with context.begin_transaction():
    context.run_migrations()
