"""A provider or vendor that echoes the key it was sent must not get that key stored, logged, raised or pickled.

The end-to-end case runs the real CLI against a stand-in that answers the LLM's and the TTS's calls with 429, 500 and
401 errors repeating the credentials (JSON and HTML bodies), then reads every byte the run left behind: the SQLite
system of record, the Dagster instance (event log, run storage, compute logs, pickled step outputs), the object
store and the CLI's log files, plus everything the CLI printed.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.hardening.echoing_provider import ROUTES, EchoingProvider
from tests.media_samples import photo
from tests.operations.cli_process import run_cli
from video_assets.merge import EasegenBackend, MergeVendorError
from video_assets.redaction import REDACTED, excerpt, redact, register_secret

LLM_KEY = "Zq7LEAKCANARYllm93f1c2d8e4b5a697"  # no known key prefix: only the registered value can catch it
TTS_KEY = "Vx2LEAKCANARYtts5d0e8f7a6b4c3d21"
MERGE_KEY = "Mk4LEAKCANARYmerge8a7b6c5d4e3f2a1"


@pytest.fixture(scope="module")
def provider() -> Iterator[EchoingProvider]:
    server = EchoingProvider().start()
    yield server
    server.stop()


def _fragments(key: str, length: int = 8) -> set[str]:
    return {key[start : start + length] for start in range(len(key) - length + 1)}


def test_redact_masks_registered_secrets_and_token_shapes() -> None:
    register_secret("Pw9-registered-secret-value")
    text = (
        "HTTP 401: Incorrect API key provided: Pw9-registered-secret-value. "
        'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc123 {"api_key": "hunter22x"} other sk-proj-Abc123def456ghi'
    )
    masked = redact(text)
    secrets = ("Pw9-registered-secret-value", "eyJhbGciOiJIUzI1NiJ9.abc123", "hunter22x", "sk-proj-Abc123def456ghi")
    assert not [secret for secret in secrets if secret in masked]
    assert masked.startswith("HTTP 401: Incorrect API key provided: [redacted].")
    assert "Authorization: Bearer [redacted]" in masked
    assert redact("token limit exceeded for this model") == "token limit exceeded for this model"


@pytest.mark.parametrize("padding", range(180, 205))
def test_an_excerpt_cut_through_a_key_keeps_no_part_of_it(padding: int) -> None:
    register_secret(MERGE_KEY)
    cut = excerpt("x" * padding + MERGE_KEY + " trailing words", 200)
    assert not any(fragment in cut for fragment in _fragments(MERGE_KEY, 6))


class _EchoingVendor(BaseHTTPRequestHandler):
    """An Easegen-style vendor whose 401 page puts the key just before the client's 200-character cut."""

    def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
        self.rfile.read(int(self.headers.get("content-length", 0)))
        payload = json.dumps({"detail": "p" * 150 + f" invalid X-API-Key {self.headers.get('X-API-Key')}"}).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keeps test output quiet
        return


def test_the_merge_client_redacts_an_echoed_key_before_cutting_the_message() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingVendor)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        client = EasegenBackend(f"http://{host}:{port}", MERGE_KEY, timeout_seconds=5)
        with pytest.raises(MergeVendorError) as caught:
            client.resubmit("42")
    finally:
        server.shutdown()
        server.server_close()
    message = str(caught.value)
    assert "HTTP 401" in message and REDACTED in message
    assert not any(fragment in message for fragment in _fragments(MERGE_KEY, 6)), message


def _request(media: Path) -> dict[str, Any]:
    return {
        "title": "密钥回显测试",
        "markdown": "# 密钥回显测试\n\n清晨，宇航员在空间站里醒来。\n\n一杯咖啡，开始新的一天。",
        "materials": [{"uri": str(photo(name, media / f"{name}.jpg"))} for name in ("astronaut", "coffee")],
        "video_count": 1,
        "target_duration": 15,
    }


def _submit_and_run(env: dict[str, str], request: dict[str, Any], folder: Path) -> tuple[str, list[str]]:
    path = folder / "request.json"
    path.write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    submitted = run_cli(env, "submit", str(path))
    assert submitted.returncode == 0, submitted.stderr
    request_id = submitted.stdout.strip()
    ran = run_cli(env, "run", request_id)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    status = run_cli(env, "status", request_id, "--json")
    letters = run_cli(env, "dead-letters", "--all", "--json")
    printed = [submitted.stdout, submitted.stderr, ran.stdout, ran.stderr, status.stdout, status.stderr]
    printed += [letters.stdout, letters.stderr]
    return json.loads(status.stdout)["error"] or "", printed


def test_keys_echoed_by_llm_and_tts_providers_are_found_nowhere(provider: EchoingProvider, tmp_path: Path) -> None:
    media, home = tmp_path / "media", tmp_path / "home"
    media.mkdir()
    base = {
        **os.environ,
        "VIDEO_ASSETS_HOME": str(home),
        "DAGSTER_HOME": "",
        "VIDEO_ASSETS_LOCAL_ROOTS": str(media),
        "VIDEO_ASSETS_RENDER_PRESET": "ultrafast",
    }
    llm_env = base | {
        "VIDEO_ASSETS_LLM_BACKEND": "openai",
        "VIDEO_ASSETS_LLM_BASE_URL": provider.base_url,
        "VIDEO_ASSETS_LLM_API_KEY": LLM_KEY,
        "VIDEO_ASSETS_LLM_TEXT_MODEL": "echo-model",
    }
    tts_env = base | {
        "VIDEO_ASSETS_TTS_BACKEND": "openai",
        "VIDEO_ASSETS_TTS_BASE_URL": provider.base_url,
        "VIDEO_ASSETS_TTS_API_KEY": TTS_KEY,
    }
    llm_error, printed = _submit_and_run(llm_env, _request(media), tmp_path)
    tts_error, more = _submit_and_run(tts_env, _request(media), tmp_path)
    printed += more

    # The echoes really went through the pipeline: each route answered all three errors and the reasons carry the 401.
    for route in ROUTES:
        assert {status for path, status in provider.answered if path == route} == {429, 500, 401}, provider.answered
    assert "HTTP 401" in llm_error and REDACTED in llm_error, llm_error
    assert "401" in tts_error and REDACTED in tts_error, tts_error

    leaks = [
        f"{path.relative_to(home)} holds the {name} key"
        for path in home.rglob("*")
        if path.is_file()
        for name, key in (("LLM", LLM_KEY), ("TTS", TTS_KEY))
        if key.encode() in path.read_bytes()
    ]
    leaks += [f"CLI output {n} holds a key" for n, text in enumerate(printed) if LLM_KEY in text or TTS_KEY in text]
    assert leaks == []
    assert sum(1 for path in home.rglob("*") if path.is_file()) > 10  # the scan read a real run's files
