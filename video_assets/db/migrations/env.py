from alembic import context

from video_assets.db.engine import get_engine
from video_assets.db.models import Base

url = context.config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set by video_assets.db.migrate"

with get_engine(url).connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        version_table="video_assets_alembic_version",  # Dagster keeps its own alembic_version in a shared database
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
