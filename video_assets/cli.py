"""`video-assets`: submit, status, vendors, list, run, retry, cancel, reconcile, dead-letters and db, over the same
settings as the Dagster resources."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy.exc import OperationalError

from video_assets.db.engine import session_scope
from video_assets.db.migrate import upgrade
from video_assets.db.report import feed_states, request_report
from video_assets.db.repository import RequestNotFound, get_request, list_dead_letters
from video_assets.listing_table import format_listing
from video_assets.request_json import RequestRejected, load_request
from video_assets.request_schema import VideoRequestSpec
from video_assets.resilience import breaker_states
from video_assets.resilience.report import breaker_json, format_breakers
from video_assets.service import ListFilterError, list_requests, parse_span
from video_assets.service.requests import RequestRefused, StateConflict, retry_refusal, submit_request
from video_assets.settings import Settings, SettingsError, load_settings


class UsageError(Exception):
    pass


def parse_request_file(path: Path) -> VideoRequestSpec:
    """The request in `path`, valid by the request schema, or a UsageError naming each problem; what this deployment
    can serve is judged when it is submitted (submit_request)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc})") from exc
    try:
        spec = resolve_relative_paths(load_request(text), path.resolve().parent)
    except RequestRejected as exc:
        raise UsageError(f"{path}: invalid request\n{exc}") from exc
    return spec


def submit_file(path: Path, settings: Settings) -> tuple[str, bool]:
    """Submit the request in `path` as every door does; (request id, created)."""
    spec = parse_request_file(path)
    ensure_schema(settings)
    try:
        with session_scope(settings.database_url.get_secret_value()) as session:
            submitted = submit_request(session, spec, settings)
    except RequestRefused as refused:
        raise UsageError(f"{path}: refused, it cannot succeed\n" + "\n".join(refused.problems)) from refused
    return submitted.request_id, submitted.created


def resolve_relative_paths(spec: VideoRequestSpec, base: Path) -> VideoRequestSpec:
    """Relative local paths in a request file mean 'next to this file', wherever the CLI runs."""

    def absolute(uri: str) -> str:
        return uri if "://" in uri or Path(uri).is_absolute() else str(base / uri)

    updated = spec.model_copy(deep=True)
    for material in updated.materials:
        material.uri = absolute(material.uri)
    if updated.watermark and updated.watermark.image_uri:
        updated.watermark.image_uri = absolute(updated.watermark.image_uri)
    if updated.bgm:
        updated.bgm.uri = absolute(updated.bgm.uri)
    return updated


def ensure_schema(settings: Settings) -> None:
    """The embedded SQLite default migrates itself; Postgres is migrated by `video-assets db upgrade`."""
    url = settings.database_url.get_secret_value()
    if url.startswith("sqlite"):
        upgrade(url)


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    request_id, created = submit_file(Path(args.file), settings)
    print(request_id)
    if not created:
        print(
            "idempotency key already submitted by this tenant; returning the existing request",
            file=sys.stderr,
        )
    return 0


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"request  {report['id']}  {report['title']}",
        f"status   {report['status']}  stage={report['stage'] or '-'}  progress={report['progress']:.0%}",
    ]
    if report["error"]:
        lines.append(f"error    {report['error']}")
    lines.append("events:")
    lines += [f"  {e['at']}  {e['kind']:<16} {e['message']}" for e in report["events"]]
    if report["materials"]:
        lines.append("materials:")
        for m in report["materials"]:
            shape = f"{m['kind'] or '?'} {m['width'] or '?'}x{m['height'] or '?'}"
            reason = f"  ({m['reason']})" if m["reason"] else ""
            lines.append(f"  #{m['id']:<4} {m['status']:<9} {shape:<18} {m['source']}{reason}")
    if report["scripts"]:
        lines.append("scripts:")
        for s in report["scripts"]:
            lines.append(
                f"  v{s['variant']} {s['style']:<13} {s['scenes']} scenes {s['planned_duration']}s "
                f"coverage={s['coverage']} title={s['title']}"
            )
    if report["videos"]:
        lines.append("videos:")
        for v in report["videos"]:
            detail = v["video_key"] or v["reason"] or ""
            lines.append(f"  v{v['variant']} {v['status']:<9} {v['duration'] or '-'}s {detail}")
    if report["merge_jobs"]:
        lines.append("merge jobs:")
        for job in report["merge_jobs"]:
            detail = job["error"] or f"deadline {job['deadline']}"
            lines.append(
                f"  v{job['variant']} {job['backend']} #{job['job_id'] or '-'} {job['state']:<11} "
                f"{job['progress']:.0%} {detail}"
            )
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    statuses = [status.strip() for given in args.status for status in given.split(",") if status.strip()]
    try:
        since = parse_span(args.since) if args.since else None
        with session_scope(settings.database_url.get_secret_value()) as session:
            listing = list_requests(session, statuses, since, args.limit)
    except ListFilterError as error:
        raise UsageError(str(error)) from error
    print(json.dumps(listing.as_json(), ensure_ascii=False, indent=2) if args.json else format_listing(listing))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    with session_scope(settings.database_url.get_secret_value()) as session:
        report = request_report(session, args.request_id)
    # A request waiting on a vendor shows why: the breakers that are open now.
    down = [state for state in breaker_states(settings.database_url.get_secret_value()) if state.state == "open"]
    if args.json:
        print(json.dumps({**report, "vendors_down": [breaker_json(s) for s in down]}, ensure_ascii=False, indent=2))
    else:
        print(format_report(report) + (f"\nvendors down:\n{format_breakers(down)}" if down else ""))
    return 0


def cmd_vendors(args: argparse.Namespace, settings: Settings) -> int:
    """Every vendor's circuit breaker: state, consecutive failures, when it opened and when it probes next."""
    ensure_schema(settings)
    states = breaker_states(settings.database_url.get_secret_value())
    print(json.dumps([breaker_json(s) for s in states], indent=2) if args.json else format_breakers(states))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    from sensors.launch import execute_request, local_instance
    from sensors.run_progress import RunProgress
    from video_assets.definitions import defs

    if args.resume:
        with session_scope(settings.database_url.get_secret_value()) as session:
            refusal = retry_refusal(get_request(session, args.request_id), in_process=True)
        if refusal:
            raise UsageError(refusal)
    progress = RunProgress(Console(file=sys.stdout))
    with local_instance(settings) as instance, run_log(settings, args.command, args.verbose), progress:
        succeeded = execute_request(instance, defs, args.request_id, resume=args.resume, on_event=progress.on_event)
    with session_scope(settings.database_url.get_secret_value()) as session:
        report = request_report(session, args.request_id)
    print(format_report(report))
    progress.print_summary(report)
    return run_outcome(report, succeeded)


@contextlib.contextmanager
def run_log(settings: Settings, command: str, verbose: bool = False) -> Iterator[None]:
    """Dagster's log of the runs started inside (every event, failures with their stack traces, and the steps' JSON
    lines) goes to a file under VIDEO_ASSETS_HOME/logs, or with `-v` to stderr and stdout; the terminal gets the
    progress, the report and, for a failed request, one line saying why."""
    if verbose:
        yield
        return
    folder = settings.home / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{command}-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
    print(f"run log: {path}", file=sys.stderr)
    with path.open("w", encoding="utf-8") as log, contextlib.redirect_stderr(log), contextlib.redirect_stdout(log):
        yield


def run_outcome(report: dict[str, Any], run_succeeded: bool) -> int:
    """The exit status of a command that ran the request, with its reason on one line of stderr: 1 when the request
    failed (or its run did), 0 with a warning for partial_success."""
    reason = " ".join((report["error"] or "").split())
    if report["status"] == "failed" or not run_succeeded:
        print(f"error: request {report['id']} {report['status']}: {reason or 'its run failed'}", file=sys.stderr)
        return 1
    if report["status"] == "partial_success":
        print(f"warning: request {report['id']} partial_success: {reason}", file=sys.stderr)
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Submit, let the request sensor claim it, then execute the runs it asked for, in this process."""
    request_id, _ = submit_file(Path(args.file), settings)
    from sensors.launch import execute_request, local_instance, resolved, sensor_tick
    from sensors.run_progress import RunProgress
    from video_assets.definitions import defs

    print(f"submitted {request_id}", file=sys.stderr)
    failures = 0
    with local_instance(settings) as instance:
        launched = sensor_tick(instance, defs, settings.sensor_batch_size)
        print(f"request sensor launched: {', '.join(launched) or 'nothing new'}", file=sys.stderr)
        progress = RunProgress(Console(file=sys.stdout))
        with run_log(settings, args.command, args.verbose), progress:
            for key in launched:
                failures += not execute_request(instance, defs, key, on_event=progress.on_event)
    with session_scope(settings.database_url.get_secret_value()) as session:
        report = request_report(session, request_id)
    print(format_report(report))
    progress.print_summary(report)
    with resolved(defs, "object_store") as resources:
        store = resources.object_store.store()
    for video in report["videos"]:
        if video["video_key"]:
            print(f"video v{video['variant']}: {store.uri(video['video_key'])}")
    return run_outcome(report, not failures)


def cmd_reconcile(args: argparse.Namespace, settings: Settings) -> int:
    """One pass of the `reconcile_external_merges` schedule's job, in this process."""
    ensure_schema(settings)
    from sensors.launch import local_instance
    from video_assets.definitions import defs

    with local_instance(settings) as instance, run_log(settings, args.command, args.verbose):
        result = defs.resolve_job_def("reconcile_job").execute_in_process(instance=instance, raise_on_error=False)
    _print_step_metadata(result)
    return 0 if result.success else 1


def cmd_housekeeping(args: argparse.Namespace, settings: Settings) -> int:
    """One run of the hourly `housekeeping_job`, in this process; `--grace-seconds` shortens how long a finished
    request's working dirs are kept (the schedule keeps them 10 minutes)."""
    ensure_schema(settings)
    from sensors.launch import local_instance
    from video_assets.definitions import defs

    run_config = {"ops": {"expire_temp_dirs": {"config": {"grace_seconds": args.grace_seconds}}}}
    with local_instance(settings) as instance, run_log(settings, args.command, args.verbose):
        job = defs.resolve_job_def("housekeeping_job")
        result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)
    _print_step_metadata(result)
    return 0 if result.success else 1


def _print_step_metadata(result: Any) -> None:
    """What each op reported in its output metadata, one `step.name: value` line each."""
    for event in result.all_node_events:
        if event.is_successful_output and event.step_output_data.metadata:
            for name, value in event.step_output_data.metadata.items():
                print(f"{event.step_key}.{name}: {getattr(value, 'value', value)}")


def cmd_dead_letters(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    with session_scope(settings.database_url.get_secret_value()) as session:
        letters = list_dead_letters(session, include_resolved=args.all)
        rows = [
            {
                "id": letter.id,
                "request_id": letter.request_id,
                "run_id": letter.run_id,
                "stage": letter.stage,
                "error": letter.error,
                "created_at": letter.created_at.isoformat(),
                "resolved_at": letter.resolved_at.isoformat() if letter.resolved_at else None,
            }
            for letter in letters
        ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print("no dead letters" + ("" if args.all else " (open)"))
    for row in rows:
        state = f"resolved {row['resolved_at']}" if row["resolved_at"] else "open"
        print(f"#{row['id']:<4} {row['request_id']}  {row['stage']:<16} {row['created_at']}  {state}")
        print(f"      {row['error']}")
    return 0


def cmd_cancel(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    from sensors.launch import cancel_and_terminate, local_instance
    from video_assets.definitions import defs

    with local_instance(settings) as instance:
        try:
            terminated = cancel_and_terminate(instance, defs, args.request_id)
        except StateConflict as error:
            raise UsageError(str(error)) from error
    print(f"cancelled {args.request_id}; terminated runs: {', '.join(terminated) or 'none in flight'}")
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings.database_url.get_secret_value())
    print("database schema is at head", file=sys.stderr)
    return 0


def cmd_celery_config(args: argparse.Namespace, settings: Settings) -> int:
    """The executor's Celery settings as the YAML `dagster-celery worker start -y` reads, so workers and runs agree."""
    if settings.executor != "celery":
        raise UsageError("VIDEO_ASSETS_EXECUTOR is not celery")
    from executors.celery import worker_yaml

    print(worker_yaml(settings), end="")
    return 0


def cmd_feeds(args: argparse.Namespace, settings: Settings) -> int:
    """`poll`: one tick of `feed_sensor`, in this process; `list`: every feed's state as its last poll left it."""
    ensure_schema(settings)
    if args.action == "poll":
        from sensors.feeds import feed_tick
        from sensors.launch import local_instance
        from video_assets.definitions import defs

        with local_instance(settings) as instance:
            outcome = feed_tick(instance, defs)
        if not outcome.reports:
            print("no feeds configured (VIDEO_ASSETS_FEED_URLS)")
        for report in outcome.reports:
            counts = f"{len(report.requested)} new, {report.known} known ({report.updated} updated), "
            counts += f"{report.rejected} rejected, {report.deferred} deferred"
            print(f"{report.status:<5} {report.url}  {report.reason or counts}")
            for request_id in report.requested:
                print(f"      request {request_id}")
        return 1 if any(report.status == "error" for report in outcome.reports) else 0
    with session_scope(settings.database_url.get_secret_value()) as session:
        rows = feed_states(session)
    if not rows:
        print("no feeds polled yet")
    for row in rows:
        print(
            f"{row['status']:<5} {row['url']}  entries={row['entries_seen']} requests={row['requests_created']} "
            f"rejected={row['entries_rejected']} last_polled={row['last_polled_at'] or '-'} "
            f"last_ok={row['last_ok_at'] or '-'}" + (f"\n      {row['reason']}" if row["reason"] else "")
        )
    return 0


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the HTTP API; the request sensor launches what it stores."""
    ensure_schema(settings)
    from video_assets.api.server import serve

    serve(settings.model_copy(update={"api_host": args.host}) if args.host else settings)
    return 0


def cmd_webhooks(args: argparse.Namespace, settings: Settings) -> int:
    """Send the webhook outbox's deliveries until SIGTERM."""
    ensure_schema(settings)
    from video_assets.webhooks.deliverer import deliver_until_signalled

    log_service_lines()
    deliver_until_signalled(settings)
    return 0


def log_service_lines() -> None:
    """A long-running service's own log lines (the webhook deliverer, the exporter) on stderr with their time."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def cmd_daemon(args: argparse.Namespace, _settings: Settings) -> int:
    """Dagster's daemon with the request sensor's loop at 1 s (sensors/daemon_loop.py)."""
    from sensors.daemon_loop import run_daemon

    run_daemon(args.arguments)
    return 0


def cmd_exporter(args: argparse.Namespace, settings: Settings) -> int:
    """Serve Prometheus metrics read from the Dagster instance (DAGSTER_HOME) and the database."""
    if not os.environ.get("DAGSTER_HOME"):
        raise UsageError("the exporter reads the Dagster instance: set DAGSTER_HOME")
    from sensors.metrics_source import serve_exporter

    log_service_lines()
    database_url = settings.database_url.get_secret_value()
    host = args.host or settings.metrics_host
    serve_exporter(database_url, host, settings.metrics_port, settings.metrics_interval_seconds)
    return 0


def cmd_keys(args: argparse.Namespace, settings: Settings) -> int:
    """`create` prints the new key alone on stdout (it is shown only once); `list` shows prefixes only."""
    from video_assets.service import keys

    ensure_schema(settings)
    try:
        with session_scope(settings.database_url.get_secret_value()) as session:
            if args.action == "create":
                if not args.tenant:
                    raise UsageError("keys create needs --tenant NAME")
                limits = {"rate_per_window": args.rate, "daily_output_seconds": args.daily_output_seconds}
                print(keys.create_key(session, args.tenant, keys.parse_scopes(args.scopes), **limits))
            elif args.action == "list":
                for row in keys.list_keys(session):
                    state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "live"
                    print(f"{row['prefix']}  {row['tenant']:<20} {','.join(row['scopes']):<18} {state}")
            elif args.action == "revoke":
                keys.revoke_key(session, args.prefix)
                print(f"revoked {args.prefix}", file=sys.stderr)
            else:
                print(keys.rotate_key(session, args.prefix))
    except keys.KeyCommandError as error:
        raise UsageError(str(error)) from error
    return 0


VERBOSE_FLAGS = ("-v", "--verbose")
VERBOSE_OPTION: dict[str, Any] = {"action": "store_true", "help": "Dagster's event log to stderr, not to a file"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="video-assets", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser("submit", help="validate a request JSON file and insert it as pending")
    submit.add_argument("file")
    submit.set_defaults(handler=cmd_submit)
    status = commands.add_parser("status", help="show a request's status, events and results")
    status.add_argument("request_id")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)
    vendors = commands.add_parser("vendors", help="each vendor's circuit breaker: state, failures, opened at")
    vendors.add_argument("--json", action="store_true")
    vendors.set_defaults(handler=cmd_vendors)
    listing = commands.add_parser("list", help="requests with status, stage, age and title, and counts per status")
    listing.add_argument("--status", action="append", default=[], help="only these statuses (repeat or comma-join)")
    listing.add_argument("--since", help="only requests created within this span: 90s, 30m, 2h, 7d, 1w")
    listing.add_argument("--limit", type=int, default=50, help="at most this many rows, newest first (default 50)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    run = commands.add_parser("run", help="register the request's partition and run the pipeline for it in-process")
    run.add_argument("request_id")
    run.add_argument(*VERBOSE_FLAGS, **VERBOSE_OPTION)
    run.set_defaults(handler=cmd_run, resume=False)
    retry = commands.add_parser(
        "retry", help="run the request again from its first unfinished stage; resolves its dead letters"
    )
    retry.add_argument("request_id")
    retry.add_argument(*VERBOSE_FLAGS, **VERBOSE_OPTION)
    retry.set_defaults(handler=cmd_run, resume=True)
    demo = commands.add_parser("demo", help="submit a request and run it through the request sensor, in-process")
    demo.add_argument("file")
    demo.add_argument(*VERBOSE_FLAGS, **VERBOSE_OPTION)
    demo.set_defaults(handler=cmd_demo)
    reconcile = commands.add_parser("reconcile", help="one pass of the external-merge reconcile job, in-process")
    reconcile.add_argument(*VERBOSE_FLAGS, **VERBOSE_OPTION)
    reconcile.set_defaults(handler=cmd_reconcile)
    housekeeping = commands.add_parser("housekeeping", help="one run of the housekeeping job, in-process")
    housekeeping.add_argument("--grace-seconds", type=int, default=600)
    housekeeping.add_argument(*VERBOSE_FLAGS, **VERBOSE_OPTION)
    housekeeping.set_defaults(handler=cmd_housekeeping)
    letters = commands.add_parser("dead-letters", help="list dead letters (failed runs to replay with retry)")
    letters.add_argument("--all", action="store_true", help="include resolved ones")
    letters.add_argument("--json", action="store_true")
    letters.set_defaults(handler=cmd_dead_letters)
    cancel = commands.add_parser("cancel", help="terminate the request's in-flight run and mark it cancelled")
    cancel.add_argument("request_id")
    cancel.set_defaults(handler=cmd_cancel)
    celery = commands.add_parser(
        "celery-config", help="print the Celery workers' config YAML (it holds the broker URL: write it to a 0600 file)"
    )
    celery.set_defaults(handler=cmd_celery_config)
    feeds = commands.add_parser("feeds", help="poll the feeds once (one feed_sensor tick) or list their state")
    feeds.add_argument("action", choices=["poll", "list"])
    feeds.set_defaults(handler=cmd_feeds)
    api = commands.add_parser("api", help="serve the HTTP API (/v1) and MCP (/mcp) on the API host and port")
    api.add_argument("--host", default="", help="listen on this address instead of VIDEO_ASSETS_API_HOST")
    api.set_defaults(handler=cmd_api)
    webhooks = commands.add_parser("webhooks", help="deliver: send signed webhook deliveries until SIGTERM")
    webhooks.add_argument("action", choices=["deliver"])
    webhooks.set_defaults(handler=cmd_webhooks)
    daemon = commands.add_parser(
        "daemon", help="run Dagster's daemon (the arguments of `dagster-daemon`) with sensors looked at every second"
    )
    daemon.add_argument("arguments", nargs=argparse.REMAINDER, help="e.g. run -w workspace.yaml --log-format json")
    daemon.set_defaults(handler=cmd_daemon)
    exporter = commands.add_parser(
        "exporter", help="serve Prometheus metrics on VIDEO_ASSETS_METRICS_HOST:VIDEO_ASSETS_METRICS_PORT/metrics"
    )
    exporter.add_argument("--host", default="", help="listen on this address instead of VIDEO_ASSETS_METRICS_HOST")
    exporter.set_defaults(handler=cmd_exporter)
    keys = commands.add_parser("keys", help="API keys: create (printed once), list, revoke PREFIX, rotate PREFIX")
    keys.add_argument("action", choices=["create", "list", "revoke", "rotate"])
    keys.add_argument("prefix", nargs="?", default="", help="revoke/rotate: the key's visible prefix (va_...)")
    keys.add_argument("--tenant", help="create: the tenant the key acts for (created if new)")
    keys.add_argument("--scopes", default="submit,read", help="create: comma-separated submit, read, admin")
    keys.add_argument("--rate", type=int, help="create: the tenant's own calls per rate window")
    keys.add_argument("--daily-output-seconds", type=float, help="create: the tenant's own daily output seconds")
    keys.set_defaults(handler=cmd_keys)
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"])
    database.set_defaults(handler=cmd_db)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args, load_settings())
    except (UsageError, RequestNotFound, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        # The database is down or refused us: say so on one line; the traceback would add nothing for an operator.
        print(f"error: database unavailable: {' '.join(str(exc.orig).split())}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
