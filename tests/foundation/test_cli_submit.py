import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from video_assets.cli import main
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoRequest

VALID = {"title": "测试文章", "markdown": "# 标题\n\n一段正文。", "materials": [{"uri": "https://example.com/a.jpg"}]}


def with_fields(**fields: object) -> dict:
    return {**VALID, **fields}


def without(field: str) -> dict:
    return {k: v for k, v in VALID.items() if k != field}


MALFORMED: dict[str, tuple[object, str]] = {
    "missing_title": (without("title"), "title"),
    "empty_title": (with_fields(title=""), "title"),
    "missing_markdown": (without("markdown"), "markdown"),
    "too_many_materials": (with_fields(materials=[{"uri": f"https://e.com/{i}.jpg"} for i in range(51)]), "materials"),
    "video_count_zero": (with_fields(video_count=0), "video_count"),
    "video_count_six": (with_fields(video_count=6), "video_count"),
    "video_count_text": (with_fields(video_count="three"), "video_count"),
    "bad_aspect": (with_fields(aspect="4:3"), "aspect"),
    "ftp_scheme": (with_fields(materials=[{"uri": "ftp://example.com/a.jpg"}]), "materials.0.uri"),
    "javascript_scheme": (with_fields(materials=[{"uri": "javascript:alert(1)"}]), "materials.0.uri"),
    "http_without_host": (with_fields(materials=[{"uri": "http:///a.jpg"}]), "materials.0.uri"),
    "material_not_object": (with_fields(materials=["https://example.com/a.jpg"]), "materials.0"),
    "unknown_field": (with_fields(colour="red"), "colour"),
    "negative_duration": (with_fields(target_duration=-5), "target_duration"),
    "bad_transition": (with_fields(transition={"type": "spin"}), "transition.type"),
    "watermark_opacity": (with_fields(watermark={"text": "x", "opacity": 2}), "watermark.opacity"),
    "bad_idempotency_key": (with_fields(idempotency_key="has spaces/and slashes"), "idempotency_key"),
    "bad_style_name": (with_fields(script_styles=["Default Style!"]), "script_styles"),
    "top_level_array": ([VALID], "request"),
    "non_json": ("this is { not json", "not valid JSON"),
}


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("VIDEO_ASSETS_DATABASE_URL", database_url)
    monkeypatch.setenv("VIDEO_ASSETS_HOME", str(tmp_path / "home"))
    return database_url


def write(tmp_path: Path, name: str, payload: object) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def row_count(url: str) -> int:
    with session_scope(url) as session:
        return session.scalar(select(func.count()).select_from(VideoRequest)) or 0


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_request_names_the_field_and_writes_nothing(
    case: str, cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload, field = MALFORMED[case]
    assert main(["submit", str(write(tmp_path, case, payload))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert field in captured.err
    assert row_count(cli_env) == 0


def test_submit_prints_only_the_id_and_same_key_returns_it(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "ok", with_fields(idempotency_key="post-2026-11-28"))
    assert main(["submit", str(path)]) == 0
    first = capsys.readouterr().out
    assert main(["submit", str(path)]) == 0
    second = capsys.readouterr().out
    assert first == second
    assert first.strip().startswith("req_") and first.count("\n") == 1
    assert row_count(cli_env) == 1


def test_status_json_reports_the_submitted_request(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["submit", str(write(tmp_path, "ok", VALID))])
    request_id = capsys.readouterr().out.strip()
    assert main(["status", request_id, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["id"], report["status"], report["events"][0]["kind"]) == (request_id, "pending", "submitted")
    assert main(["status", request_id]) == 0
    assert "pending" in capsys.readouterr().out


def test_unknown_request_id_is_a_clear_error(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "req_missing"]) == 2
    assert "no request with id 'req_missing'" in capsys.readouterr().err


def test_console_script_submits_into_the_embedded_default(tmp_path: Path) -> None:
    path = write(tmp_path, "ok", VALID)
    env = {"VIDEO_ASSETS_HOME": str(tmp_path / "home"), "PATH": str(Path(sys.executable).parent)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "video-assets"), "submit", str(path)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "home" / "video_assets.db").is_file()
