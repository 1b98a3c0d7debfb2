from sqlalchemy import inspect

from tests.harness.postgres import create_database, drop_database
from video_assets.db.engine import get_engine
from video_assets.db.migrate import downgrade, upgrade

TABLES = {
    "video_requests",
    "media_items",
    "media_analyses",
    "video_scripts",
    "rendered_videos",
    "merge_jobs",
    "request_events",
    "dead_letters",
    "feeds",
    "feed_entries",
}


def test_upgrade_downgrade_upgrade_round_trips_on_postgres(postgres_cluster) -> None:
    url = create_database(postgres_cluster.server_url, "va_migration_round_trip")
    try:
        upgrade(url)
        assert set(inspect(get_engine(url)).get_table_names()) >= TABLES
        downgrade(url)
        assert not TABLES & set(inspect(get_engine(url)).get_table_names())
        upgrade(url)
        assert set(inspect(get_engine(url)).get_table_names()) >= TABLES
    finally:
        get_engine(url).dispose()
        drop_database(postgres_cluster.server_url, "va_migration_round_trip")


def test_migrated_schema_has_idempotency_constraints(database_url: str) -> None:
    inspector = inspect(get_engine(database_url))
    unique = {
        table: {tuple(c["column_names"]) for c in inspector.get_unique_constraints(table)}
        for table in (
            "video_requests",
            "media_items",
            "video_scripts",
            "rendered_videos",
            "merge_jobs",
            "dead_letters",
            "feeds",
            "feed_entries",
        )
    }
    assert ("tenant", "idempotency_key") in unique["video_requests"]
    assert ("request_id", "source") in unique["media_items"]
    assert ("request_id", "variant_index") in unique["video_scripts"]
    assert ("request_id", "variant_index") in unique["rendered_videos"]
    assert ("request_id", "variant_index") in unique["merge_jobs"]
    assert ("request_id", "run_id", "stage") in unique["dead_letters"]
    assert ("url",) in unique["feeds"]
    assert ("idempotency_key",) in unique["feed_entries"]
