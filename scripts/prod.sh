#!/usr/bin/env bash
# The production topology on one machine, without Docker (DESIGN §7): Postgres (Dagster's instance and our system of
# record, in two databases), an S3 server, the gRPC code server, the webserver, the daemon, the HTTP API, the webhook
# deliverer, the metrics exporter and Prometheus (their URLs are VIDEO_ASSETS_METRICS_URL and
# VIDEO_ASSETS_PROMETHEUS_URL in `env`), each in the background in its own process group, with
# VIDEO_ASSETS_MODE=production.
#
#   scripts/prod.sh up       start everything; returns once the webserver answers and the daemon heartbeats
#   scripts/prod.sh down     stop everything `up` started, and nothing else (idempotent)
#   scripts/prod.sh status   what is running; exit 0 only when all of it is
#
# State lives under $VIDEO_ASSETS_HOME/prod: `env` (KEY=VALUE settings the processes run with; `set -a; . env` points
# `video-assets` at this deployment), `pids` (one `name pid` line per process, each a process group leader), `logs/`,
# `dagster/` (DAGSTER_HOME) and `pg/` (the throwaway cluster).
#
# Knobs: VIDEO_ASSETS_PROD_WEB_PORT (3000), VIDEO_ASSETS_PROD_DATABASE_SERVER (a postgresql://user:password@host:port
# server to use instead of a throwaway cluster; its databases are created if missing, never dropped),
# VIDEO_ASSETS_PROD_DAGSTER_DB / VIDEO_ASSETS_PROD_DB (database names, `dagster` / `video_assets`),
# VIDEO_ASSETS_PROD_START_TIMEOUT (seconds each process may take to answer, 180), VIDEO_ASSETS_PROD_SCRAPE_INTERVAL
# (Prometheus's scrape and rule interval, 5s). Every other VIDEO_ASSETS_* variable
# of the caller (LLM, TTS, render settings...) is passed on to the processes through the env file.
#
# With VIDEO_ASSETS_EXECUTOR=celery, one `dagster-celery` worker per queue is started too (worker-video_processing,
# worker-video_generation, worker-maintenance; concurrency VIDEO_ASSETS_PROD_WORKER_CONCURRENCY, 1), on the broker
# VIDEO_ASSETS_CELERY_BROKER (default: this machine's Redis, redis://127.0.0.1:6379/0); their config is prod/celery.yaml.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VENV:-$REPO/.venv}
VENV=$(cd "$REPO" && cd "$VENV" && pwd)
BIN=$VENV/bin
PY=$BIN/python
HOME_DIR=${VIDEO_ASSETS_HOME:-$REPO/.video_assets}
HOME_DIR=$(mkdir -p "$HOME_DIR" && cd "$HOME_DIR" && pwd)
PROD=$HOME_DIR/prod
PIDS=$PROD/pids
ENV_FILE=$PROD/env
LOGS=$PROD/logs
PG=$PROD/pg
WEB_PORT=${VIDEO_ASSETS_PROD_WEB_PORT:-3000}
START_TIMEOUT=${VIDEO_ASSETS_PROD_START_TIMEOUT:-180}
STOP_TIMEOUT=30
# Signalled in this order: the API first so that no client adds a request while the rest stops, then the daemon so
# that it launches no run while the code server stops; Postgres goes last.
QUEUES=(video_processing video_generation maintenance)
STOP_ORDER=(api webhooks daemon webserver code-server "${QUEUES[@]/#/worker-}" exporter prometheus s3 postgres)

say() { echo "prod: $*" >&2; }

alive() { kill -0 "$1" 2>/dev/null; }

pid_of() { [ -f "$PIDS" ] && awk -v name="$1" '$1 == name { print $2 }' "$PIDS" || true; }

record() { echo "$1 $2" >>"$PIDS"; }

# A recorded pid is only ours while it still runs the command we started (pids are recycled).
declare -A MARKERS=(
  [postgres]=postgres [s3]=moto_server [code-server]=code-server [webserver]=dagster-webserver [daemon]="video-assets daemon"
  [api]="video-assets api" [webhooks]="video-assets webhooks" [exporter]="video-assets exporter"
  [prometheus]="prometheus --config.file"
)
for queue in "${QUEUES[@]}"; do MARKERS[worker-$queue]="dagster-celery worker start"; done
ours() {
  local name=$1 pid=$2
  alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "${MARKERS[$name]}"
}

# The pid and every descendant, including children that started their own session (ffmpeg runs in one, so that its
# watchdog can kill its whole group): a process-group kill alone would leave those behind.
tree_of() {
  ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      found[root] = 1; print root
      do { grew = 0
        for (p in parent) if (!(p in found) && (parent[p] in found)) { found[p] = 1; print p; grew = 1 }
      } while (grew)
    }'
}

last_lines() {
  local log=$1
  if [ -s "$log" ]; then
    say "last lines of $log:"
    tail -n 40 "$log" | sed 's/^/    /' >&2
  fi
}

# Stop what was started so far, show why, and fail.
die() {
  say "$1"
  [ -n "${2:-}" ] && last_lines "$2"
  if [ -f "$PIDS" ]; then
    stop_all >/dev/null 2>&1 || true
    say "stopped what had been started; logs are in $LOGS/"
  fi
  exit 1
}

# wait_for NAME LOG DESCRIPTION COMMAND...: poll COMMAND until it succeeds, the process dies, or START_TIMEOUT passes.
wait_for() {
  local name=$1 log=$2 what=$3
  shift 3
  local deadline=$((SECONDS + START_TIMEOUT)) pid
  pid=$(pid_of "$name")
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! alive "$pid"; then die "$name exited before $what" "$log"; fi
    if ((SECONDS >= deadline)); then die "$name: no $what within $START_TIMEOUT s" "$log"; fi
    sleep 0.3
  done
}

# free_ports N: N distinct free ports, none of them the webserver's (not bound until it starts).
free_ports() {
  "$PY" - "$1" "$WEB_PORT" <<'EOF'
import socket, sys
wanted, reserved = int(sys.argv[1]), {int(sys.argv[2])}
held = []
while len(held) < wanted:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    if sock.getsockname()[1] in reserved:
        sock.close()
        continue
    held.append(sock)
print(" ".join(str(sock.getsockname()[1]) for sock in held))
EOF
}

port_in_use() {
  "$PY" -c 'import socket, sys; sys.exit(socket.socket().connect_ex(("127.0.0.1", int(sys.argv[1]))) != 0)' "$1"
}

http_ok() { "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=3)' "$1"; }

# graphql QUERY: the `data` of the webserver's answer, as JSON (what the UI itself asks).
graphql() {
  "$PY" - "http://127.0.0.1:$WEB_PORT/graphql" "$1" <<'EOF'
import json, sys, urllib.request
body = json.dumps({"query": sys.argv[2]}).encode()
request = urllib.request.Request(sys.argv[1], body, {"Content-Type": "application/json"})
print(json.dumps(json.load(urllib.request.urlopen(request, timeout=30))["data"]))
EOF
}

# Every required daemon (sensors, run queue, monitoring, run retries...) has a recent heartbeat, as the UI shows it.
daemons_healthy() {
  graphql '{ instance { daemonHealth { allDaemonStatuses { required healthy } } } }' | "$PY" -c '
import json, sys
statuses = json.load(sys.stdin)["instance"]["daemonHealth"]["allDaemonStatuses"]
sys.exit(not all(status["healthy"] for status in statuses if status["required"]))'
}

# `loaded`, or the error the webserver shows for the video_assets location.
location_state() {
  graphql '{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError {
    __typename ... on PythonError { message } } } } } }' | "$PY" -c '
import json, sys
entries = json.load(sys.stdin)["workspaceOrError"]["locationEntries"]
location = next(entry for entry in entries if entry["name"] == "video_assets")["locationOrLoadError"] or {}
print("loaded" if location.get("__typename") == "RepositoryLocation" else location.get("message", "not loaded"))'
}

# start NAME COMMAND...: run COMMAND in the background as the leader of a new process group, logging to logs/NAME.log.
start() {
  local name=$1
  shift
  (cd "$REPO" && exec setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null) &
  record "$name" "$!"
}

pg_bin() {
  command -v "$1" 2>/dev/null && return
  local found
  found=$(ls /usr/lib/postgresql/*/bin/"$1" 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && echo "$found"
}

# initdb refuses to run as root; the Debian package creates a `postgres` user.
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

start_cluster() {
  local port=$1 dir=$PG initdb pg_ctl
  initdb=$(pg_bin initdb) && pg_ctl=$(pg_bin pg_ctl) ||
    die "initdb/pg_ctl not found: install postgresql (make system-deps) or set VIDEO_ASSETS_PROD_DATABASE_SERVER"
  # The postgres user must reach the data directory; a home under a private directory (pytest's tmp) cannot be,
  # so the cluster then lives in a temporary directory that pg/ links to.
  if [ "$(id -u)" -eq 0 ] && ! runuser -u postgres -- test -x "$PROD"; then
    dir=$(mktemp -d /tmp/video-assets-prod-pg.XXXXXX)
    ln -s "$dir" "$PG"
  else
    mkdir -p "$PG"
  fi
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  as_postgres "$initdb" -D "$dir/data" --auth=trust -U postgres -E UTF8 --no-sync >"$LOGS/initdb.log" 2>&1 ||
    die "initdb failed" "$LOGS/initdb.log"
  # Throwaway data: no fsync. The log goes to a file this shell opens, since the postgres user may not reach logs/.
  as_postgres "$pg_ctl" -D "$dir/data" -w -t "$START_TIMEOUT" -o "-p $port -k $dir \
    -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c full_page_writes=off" start \
    >"$LOGS/postgres.log" 2>&1 </dev/null || die "Postgres did not start" "$LOGS/postgres.log"
  record postgres "$(head -n 1 "$dir/data/postmaster.pid")"
}

# The metrics exporter, and Prometheus scraping it with the alert rules of docker/prometheus/rules.yml.
start_monitoring() {
  local metrics_port=$1 prometheus_port=$2 prometheus
  prometheus=$(command -v prometheus) || die "prometheus not found: install it (make system-deps)"
  start exporter "$BIN/video-assets" exporter
  cat >"$PROD/prometheus.yml" <<EOF
global:
  scrape_interval: ${VIDEO_ASSETS_PROD_SCRAPE_INTERVAL:-5s}
  evaluation_interval: ${VIDEO_ASSETS_PROD_SCRAPE_INTERVAL:-5s}
rule_files:
  - $REPO/docker/prometheus/rules.yml
scrape_configs:
  - job_name: video-assets
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
EOF
  start prometheus "$prometheus" --config.file="$PROD/prometheus.yml" --storage.tsdb.path="$PROD/prometheus" \
    --web.listen-address="127.0.0.1:$prometheus_port"
  wait_for exporter "$LOGS/exporter.log" "metrics on port $metrics_port" http_ok "$VIDEO_ASSETS_METRICS_URL"
  wait_for prometheus "$LOGS/prometheus.log" "readiness on port $prometheus_port" \
    http_ok "$VIDEO_ASSETS_PROMETHEUS_URL/-/ready"
  say "metrics: $VIDEO_ASSETS_METRICS_URL, Prometheus: $VIDEO_ASSETS_PROMETHEUS_URL"
}

# One worker per queue, named <queue>-<n>@host in the runs' events, each with the executor's own Celery settings.
start_workers() {
  local queue concurrency=${VIDEO_ASSETS_PROD_WORKER_CONCURRENCY:-1}
  (umask 077 && "$BIN/video-assets" celery-config >"$PROD/celery.yaml") || die "video-assets celery-config failed"
  for queue in "${QUEUES[@]}"; do
    start "worker-$queue" "$BIN/dagster-celery" worker start -A dagster_celery.app -y "$PROD/celery.yaml" \
      -q "$queue" -n "$queue-1" -- --concurrency "$concurrency"
  done
  for queue in "${QUEUES[@]}"; do
    wait_for "worker-$queue" "$LOGS/worker-$queue.log" "a ready Celery worker" \
      grep -q "$queue-1@.* ready" "$LOGS/worker-$queue.log"
  done
  say "Celery: one worker on each of ${QUEUES[*]}, broker $(broker_address)"
}

# The broker's host and port only: its URL may hold a password.
broker_address() {
  "$PY" -c 'import sys; from urllib.parse import urlsplit; u = urlsplit(sys.argv[1]); print(f"{u.scheme}://{u.hostname}:{u.port}")' \
    "$VIDEO_ASSETS_CELERY_BROKER"
}

living() { for pid in "$@"; do alive "$pid" && echo "$pid"; done; }

# wait_gone SECONDS PID...: true once none of the processes is left, false if some still are after SECONDS.
wait_gone() {
  local deadline=$((SECONDS + $1))
  shift
  while [ -n "$(living "$@")" ]; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.2
  done
}

# Stop the throwaway cluster (also one a killed `up` left running) and remove it: its data goes with the S3 server's.
remove_cluster() {
  [ -e "$PG" ] || return 0
  local dir
  dir=$(readlink -f "$PG") # the postgres user may not traverse the path through $PROD
  if [ -f "$dir/data/postmaster.pid" ]; then
    local pid members
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    members=$(tree_of "$pid")
    as_postgres "$(pg_bin pg_ctl)" -D "$dir/data" -m fast -w -t "$STOP_TIMEOUT" stop >/dev/null 2>&1 || true
    # pg_ctl returns once the pid file is gone, a moment before the postmaster itself.
    # shellcheck disable=SC2086 # one pid per word
    wait_gone 5 $members || kill -KILL $members 2>/dev/null || true
  fi
  rm -rf "$PG" "$dir"
}

# TERM every group (each takes seconds to shut down gracefully, so they do it at the same time), KILL what is left
# after STOP_TIMEOUT, then stop Postgres, which the others were connected to.
stop_all() {
  local name pid groups="" members=""
  for name in "${STOP_ORDER[@]}"; do
    pid=$(pid_of "$name")
    [ -n "$pid" ] && [ "$name" != postgres ] && ours "$name" "$pid" || continue
    groups+=" -$pid"
    members+=" $(tree_of "$pid" | tr '\n' ' ')"
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  # shellcheck disable=SC2086 # one pid per word
  [ -n "${members// /}" ] && { kill -TERM $members 2>/dev/null || true; }
  # shellcheck disable=SC2086
  if ! wait_gone "$STOP_TIMEOUT" $members; then
    say "still running after $STOP_TIMEOUT s, killed: $(living $members)"
    # shellcheck disable=SC2086
    kill -KILL -- $groups $(living $members) 2>/dev/null || true
  fi
  [ -n "$(pid_of postgres)" ] && remove_cluster
  while read -r name pid; do say "stopped $name ($pid)"; done <"$PIDS"
  rm -rf "$PIDS" "$ENV_FILE" "$PROD/celery.yaml" "$PROD/prometheus.yml" "$PROD/prometheus"
}

running() {
  local name pid
  [ -f "$PIDS" ] || return 1
  while read -r name pid; do ours "$name" "$pid" && return 0; done <"$PIDS"
  return 1
}

cmd_status() {
  if [ ! -f "$PIDS" ]; then
    say "not running (no $PIDS)"
    return 3
  fi
  local name pid state all=0
  while read -r name pid; do
    if ours "$name" "$pid"; then state=running; else state=gone all=3; fi
    printf '%-12s %-8s %s\n' "$name" "$pid" "$state"
  done <"$PIDS"
  [ "$all" -eq 0 ] && echo "web          http://127.0.0.1:$(sed -n 's/^VIDEO_ASSETS_PROD_WEB_PORT=//p' "$ENV_FILE")"
  [ "$all" -eq 0 ] && echo "api          $(sed -n 's/^VIDEO_ASSETS_API_URL=//p' "$ENV_FILE")"
  [ "$all" -eq 0 ] && echo "metrics      $(sed -n 's/^VIDEO_ASSETS_METRICS_URL=//p' "$ENV_FILE")"
  [ "$all" -eq 0 ] && echo "prometheus   $(sed -n 's/^VIDEO_ASSETS_PROMETHEUS_URL=//p' "$ENV_FILE")"
  return "$all"
}

cmd_down() {
  if [ ! -f "$PIDS" ]; then
    say "nothing to stop"
    return 0
  fi
  stop_all
}

cmd_up() {
  if running; then
    if cmd_status >&2; then
      say "already running; \`make prod-down\` first to restart"
      return 0
    fi
    say "partly running; stopping the rest first"
  fi
  [ -f "$PIDS" ] && stop_all
  port_in_use "$WEB_PORT" && die "port $WEB_PORT is in use; set VIDEO_ASSETS_PROD_WEB_PORT"
  remove_cluster
  mkdir -p "$LOGS" "$PROD/dagster"
  : >"$PIDS"
  export PATH=$BIN:$PATH

  local dagster_db=${VIDEO_ASSETS_PROD_DAGSTER_DB:-dagster} app_db=${VIDEO_ASSETS_PROD_DB:-video_assets}
  local s3_port code_port pg_host pg_port pg_user pg_password
  local cluster_port api_port metrics_port prometheus_port
  read -r s3_port code_port cluster_port api_port metrics_port prometheus_port <<<"$(free_ports 6)"
  start s3 "$BIN/moto_server" -H 127.0.0.1 -p "$s3_port" # it starts while the cluster is initialised
  if [ -n "${VIDEO_ASSETS_PROD_DATABASE_SERVER:-}" ]; then
    eval "$("$PY" - <<'EOF'
import os, shlex
from urllib.parse import unquote, urlsplit
url = urlsplit(os.environ["VIDEO_ASSETS_PROD_DATABASE_SERVER"])
parts = {"host": url.hostname, "port": url.port or 5432, "user": url.username, "password": url.password}
for name, value in parts.items():
    print(f"pg_{name}={shlex.quote(unquote(str(value or '')))}")
EOF
    )"
    say "Postgres: using $pg_user@$pg_host:$pg_port"
  else
    pg_host=127.0.0.1 pg_port=$cluster_port pg_user=postgres pg_password=
    start_cluster "$pg_port"
    say "Postgres: throwaway cluster on port $pg_port"
  fi
  PGHOST=$pg_host PGPORT=$pg_port PGUSER=$pg_user PGPASSWORD=$pg_password "$PY" - "$dagster_db" "$app_db" \
    >"$LOGS/createdb.log" 2>&1 <<'EOF' || die "could not create the databases" "$LOGS/createdb.log"
import sys
import psycopg2
from psycopg2 import sql
connection = psycopg2.connect(dbname="postgres")
connection.autocommit = True
with connection.cursor() as cursor:
    for name in sys.argv[1:]:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
EOF

  local roots=$REPO/examples/media
  [ -n "${VIDEO_ASSETS_LOCAL_ROOTS:-}" ] && roots=$VIDEO_ASSETS_LOCAL_ROOTS:$roots
  # examples/request.json names these files; without them its every material is rejected at run time.
  "$PY" "$REPO/examples/prepare_media.py" >"$LOGS/prepare-media.log" 2>&1 \
    || die "could not write the example media" "$LOGS/prepare-media.log"
  local settings=(
    VIDEO_ASSETS_MODE=production
    "VIDEO_ASSETS_HOME=$HOME_DIR"
    "VIDEO_ASSETS_LOCAL_ROOTS=$roots"
    "DAGSTER_HOME=$PROD/dagster"
    "DAGSTER_PG_HOST=$pg_host"
    "DAGSTER_PG_PORT=$pg_port"
    "DAGSTER_PG_USER=$pg_user"
    "DAGSTER_PG_PASSWORD=$pg_password"
    "DAGSTER_PG_DB=$dagster_db"
    VIDEO_ASSETS_STORAGE=s3
    "VIDEO_ASSETS_S3_BUCKET=${VIDEO_ASSETS_S3_BUCKET:-video-assets}"
    "VIDEO_ASSETS_S3_ENDPOINT_URL=http://127.0.0.1:$s3_port"
    "VIDEO_ASSETS_S3_REGION=${VIDEO_ASSETS_S3_REGION:-us-east-1}"
    AWS_ACCESS_KEY_ID=video-assets-local
    AWS_SECRET_ACCESS_KEY=video-assets-local-secret
    "VIDEO_ASSETS_PROD_WEB_PORT=$WEB_PORT"
    VIDEO_ASSETS_API_HOST=127.0.0.1
    "VIDEO_ASSETS_API_PORT=$api_port"
    "VIDEO_ASSETS_API_URL=http://127.0.0.1:$api_port"
    VIDEO_ASSETS_METRICS_HOST=127.0.0.1
    "VIDEO_ASSETS_METRICS_PORT=$metrics_port"
    "VIDEO_ASSETS_METRICS_URL=http://127.0.0.1:$metrics_port/metrics"
    "VIDEO_ASSETS_PROMETHEUS_URL=http://127.0.0.1:$prometheus_port"
  )
  if [ "${VIDEO_ASSETS_EXECUTOR:-}" = celery ]; then
    settings+=("VIDEO_ASSETS_CELERY_BROKER=${VIDEO_ASSETS_CELERY_BROKER:-redis://127.0.0.1:6379/0}")
  fi
  # The env file carries the secrets the caller set (LLM keys...): readable by this user only.
  : >"$ENV_FILE"
  chmod 600 "$ENV_FILE"
  PG_HOST=$pg_host PG_PORT=$pg_port PG_USER=$pg_user PG_PASSWORD=$pg_password APP_DB=$app_db \
    "$PY" - "${settings[@]}" >"$ENV_FILE" <<'EOF'
import os, shlex, sys
from urllib.parse import quote
settings = dict(argument.split("=", 1) for argument in sys.argv[1:])
password = os.environ["PG_PASSWORD"]
credentials = quote(os.environ["PG_USER"]) + (":" + quote(password, safe="") if password else "")
settings["VIDEO_ASSETS_DATABASE_URL"] = (
    f"postgresql+psycopg2://{credentials}@{os.environ['PG_HOST']}:{os.environ['PG_PORT']}/{os.environ['APP_DB']}"
)
# The caller's other settings (LLM, TTS, render...) reach the processes too; this script's own knobs do not.
for name, value in sorted(os.environ.items()):
    if name.startswith("VIDEO_ASSETS_") and not name.startswith("VIDEO_ASSETS_PROD_") and name not in settings:
        settings[name] = value
for name, value in settings.items():
    print(f"{name}={shlex.quote(value) if value else ''}")
EOF
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
  cp "$REPO/dagster.yaml" "$DAGSTER_HOME/dagster.yaml"
  cat >"$PROD/workspace.yaml" <<EOF
load_from:
  - grpc_server:
      host: 127.0.0.1
      port: $code_port
      location_name: video_assets
EOF

  # The code server loads while both schemas are migrated: production resources resolve only when a run starts.
  # Dagster's schema is migrated here once, instead of by the webserver and the daemon racing at their startup.
  # Dagster's own processes log one JSON object per line, like the steps (dagster.yaml python_logs).
  start code-server "$BIN/dagster" code-server start -h 127.0.0.1 -p "$code_port" \
    -m video_assets.definitions -a defs --location-name video_assets --log-format json
  "$BIN/video-assets" db upgrade >"$LOGS/migrate.log" 2>&1 &
  local upgrade=$!
  "$BIN/dagster" instance migrate >"$LOGS/dagster-migrate.log" 2>&1 ||
    die "dagster instance migrate failed" "$LOGS/dagster-migrate.log"
  # Pools are created up front: left to `default_limit`, the first runs to claim a pool at the same moment race to
  # create its row, and Postgres aborts the losers' transactions (seen with three requests at once).
  for pool in fetch llm render; do
    "$BIN/dagster" instance concurrency set "$pool" 2 >>"$LOGS/dagster-migrate.log" 2>&1 ||
      die "could not create the $pool pool" "$LOGS/dagster-migrate.log"
  done
  wait "$upgrade" || die "video-assets db upgrade failed" "$LOGS/migrate.log"
  wait_for s3 "$LOGS/s3.log" "answer on port $s3_port" http_ok "http://127.0.0.1:$s3_port"
  "$PY" - >"$LOGS/bucket.log" 2>&1 <<'EOF' || die "could not create the bucket" "$LOGS/bucket.log"
import os
import boto3
endpoint, region = os.environ["VIDEO_ASSETS_S3_ENDPOINT_URL"], os.environ["VIDEO_ASSETS_S3_REGION"]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name=region)
bucket = os.environ["VIDEO_ASSETS_S3_BUCKET"]
if bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
    s3.create_bucket(Bucket=bucket)
EOF
  say "S3: moto_server on port $s3_port, bucket $VIDEO_ASSETS_S3_BUCKET"
  # The HTTP API only writes request rows (the daemon's request sensor launches them): it needs the migrated schema.
  start api "$BIN/video-assets" api
  # The webhook deliverer sends the outbox the API, the sensors and the steps write (video_assets/webhooks).
  start webhooks "$BIN/video-assets" webhooks deliver

  # Polled through the logs and HTTP: a `dagster` CLI call per poll costs seconds of imports.
  wait_for code-server "$LOGS/code-server.log" "loaded code on port $code_port" \
    grep -q "Started Dagster code proxy server" "$LOGS/code-server.log"
  say "code server: location video_assets on port $code_port"
  start webserver "$BIN/dagster-webserver" -h 127.0.0.1 -p "$WEB_PORT" -w "$PROD/workspace.yaml" --log-format json
  start daemon "$BIN/video-assets" daemon run -w "$PROD/workspace.yaml" --log-format json
  wait_for webserver "$LOGS/webserver.log" "answer on port $WEB_PORT" http_ok "http://127.0.0.1:$WEB_PORT/server_info"
  # The code server also "starts" when the code fails to import; the webserver knows which it was.
  local location
  location=$(location_state)
  [ "$location" = loaded ] || die "the code location did not load: $location" "$LOGS/code-server.log"
  wait_for daemon "$LOGS/daemon.log" "heartbeats from every daemon" daemons_healthy
  wait_for api "$LOGS/api.log" "answer on port $api_port" http_ok "$VIDEO_ASSETS_API_URL/healthz"
  say "HTTP API: $VIDEO_ASSETS_API_URL"
  wait_for webhooks "$LOGS/webhooks.log" "webhook workers" grep -q "webhook deliverer:" "$LOGS/webhooks.log"
  start_monitoring "$metrics_port" "$prometheus_port"
  [ "${VIDEO_ASSETS_EXECUTOR:-}" = celery ] && start_workers
  say "up: http://127.0.0.1:$WEB_PORT (settings: $ENV_FILE, pids: $PIDS, logs: $LOGS/)"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
  echo "usage: $0 up|down|status" >&2
  exit 2
  ;;
esac
