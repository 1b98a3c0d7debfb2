#!/bin/sh
# Postgres init script (docker-entrypoint-initdb.d): runs once, when the data volume is empty. It creates two roles
# and two databases, each database owned by its role and closed to everyone else:
#   - DAGSTER_PG_DB (default dagster), owned by DAGSTER_PG_USER: Dagster's instance storage (runs, events, schedules);
#   - VIDEO_ASSETS_DB_NAME (default video_assets), owned by VIDEO_ASSETS_DB_USER: our system of record.
# Names and passwords reach SQL only as psql variables (:"name" quotes an identifier, :'value' a literal), so any
# character is safe. Changing these variables later does not change an existing cluster: see docs/operations.md,
# "Secrets and rotating them".
set -e

: "${DAGSTER_PG_USER:?}" "${DAGSTER_PG_PASSWORD:?}" "${DAGSTER_PG_DB:?}"
: "${VIDEO_ASSETS_DB_USER:?}" "${VIDEO_ASSETS_DB_PASSWORD:?}" "${VIDEO_ASSETS_DB_NAME:?}"

psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v dagster_user="$DAGSTER_PG_USER" -v dagster_password="$DAGSTER_PG_PASSWORD" -v dagster_db="$DAGSTER_PG_DB" \
    -v app_user="$VIDEO_ASSETS_DB_USER" -v app_password="$VIDEO_ASSETS_DB_PASSWORD" -v app_db="$VIDEO_ASSETS_DB_NAME" \
    <<'SQL'
CREATE ROLE :"dagster_user" LOGIN PASSWORD :'dagster_password';
CREATE DATABASE :"dagster_db" OWNER :"dagster_user";
REVOKE ALL ON DATABASE :"dagster_db" FROM PUBLIC;
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user";
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
SQL
