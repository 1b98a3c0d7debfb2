"""`video-assets`: submit, status, run and db commands over the same settings as the Dagster resources."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from video_assets.db.engine import session_scope
from video_assets.db.migrate import upgrade
from video_assets.db.report import request_report
from video_assets.db.repository import RequestNotFound, create_request
from video_assets.request_schema import VideoRequestSpec
from video_assets.settings import Settings, load_settings


class UsageError(Exception):
    pass


def describe_validation_error(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"]) or "request"
        lines.append(f"{field}: {problem['msg']}")
    return "\n".join(lines)


def parse_request_file(path: Path) -> VideoRequestSpec:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"{path}: no such file") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(raw, dict):
        raise UsageError(f"{path}: request: must be a JSON object, got {type(raw).__name__}")
    try:
        spec = VideoRequestSpec.model_validate(raw)
    except ValidationError as exc:
        raise UsageError(f"{path}: invalid request\n{describe_validation_error(exc)}") from exc
    return resolve_relative_paths(spec, path.resolve().parent)


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
    if settings.database_url.startswith("sqlite"):
        upgrade(settings.database_url)


def cmd_submit(args: argparse.Namespace, settings: Settings) -> int:
    spec = parse_request_file(Path(args.file))
    ensure_schema(settings)
    with session_scope(settings.database_url) as session:
        request_id, created = create_request(session, spec)
    print(request_id)
    if not created:
        print(
            f"idempotency key {spec.idempotency_key!r} already submitted; returning the existing request",
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
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    with session_scope(settings.database_url) as session:
        report = request_report(session, args.request_id)
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_report(report))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    ensure_schema(settings)
    from sensors.launch import execute_request, local_instance
    from video_assets.definitions import defs

    with local_instance(settings) as instance:
        succeeded = execute_request(instance, defs, args.request_id, resume=args.resume)
    with session_scope(settings.database_url) as session:
        print(format_report(request_report(session, args.request_id)))
    return 0 if succeeded else 1


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Submit, let the request sensor claim it, then execute the runs it asked for, in this process."""
    spec = parse_request_file(Path(args.file))
    ensure_schema(settings)
    from sensors.launch import execute_request, local_instance, sensor_tick
    from video_assets.definitions import defs

    with session_scope(settings.database_url) as session:
        request_id, _ = create_request(session, spec)
    print(f"submitted {request_id}", file=sys.stderr)
    failures = 0
    with local_instance(settings) as instance:
        launched = sensor_tick(instance, defs, settings.sensor_batch_size)
        print(f"request sensor launched: {', '.join(launched) or 'nothing new'}", file=sys.stderr)
        for key in launched:
            failures += not execute_request(instance, defs, key)
    with session_scope(settings.database_url) as session:
        report = request_report(session, request_id)
    print(format_report(report))
    store = defs.resources["object_store"].store()
    for video in report["videos"]:
        if video["video_key"]:
            print(f"video v{video['variant']}: {store.uri(video['video_key'])}")
    return 1 if failures else 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings.database_url)
    print("database schema is at head", file=sys.stderr)
    return 0


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
    run = commands.add_parser("run", help="register the request's partition and run the pipeline for it in-process")
    run.add_argument("request_id")
    run.set_defaults(handler=cmd_run, resume=False)
    retry = commands.add_parser("retry", help="run the request again from its first unfinished stage")
    retry.add_argument("request_id")
    retry.set_defaults(handler=cmd_run, resume=True)
    demo = commands.add_parser("demo", help="submit a request and run it through the request sensor, in-process")
    demo.add_argument("file")
    demo.set_defaults(handler=cmd_demo)
    database = commands.add_parser("db", help="database maintenance")
    database.add_argument("action", choices=["upgrade"])
    database.set_defaults(handler=cmd_db)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args, load_settings())
    except (UsageError, RequestNotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
