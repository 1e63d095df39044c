"""Run resdir's migrations on the connection resdir.database hands Alembic."""

from alembic import context

from resdir import database, store

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=store.Base.metadata,
    include_object=database.ours,
    render_as_batch=True,  # SQLite alters a table by copying it; PostgreSQL alters it in place
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
