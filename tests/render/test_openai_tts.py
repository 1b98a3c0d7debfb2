"""OpenAITts against a real HTTP server on localhost that speaks POST /v1/audio/speech."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.media_samples import tone
from video_assets.tts import TtsError, make_tts


@pytest.fixture(scope="module")
def speech_mp3(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return tone(tmp_path_factory.mktemp("speech") / "speech.mp3", 1.5, frequency=500, sample_rate=24000).read_bytes()


@pytest.fixture()
def speech_server(speech_mp3: bytes) -> Iterator[tuple[str, list[dict]]]:
    requests: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
            if body["voice"] == "broken":
                payload = json.dumps({"error": {"message": "voice not found", "type": "invalid_request_error"}})
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())
                return
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(speech_mp3)))
            self.end_headers()
            self.wfile.write(speech_mp3)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    server.shutdown()
    server.server_close()


def test_openai_tts_posts_speech_request_and_estimates_word_timings(speech_server, tmp_path: Path) -> None:
    base_url, requests = speech_server
    tts = make_tts("openai", api_key="sk-test", base_url=base_url, model="tts-1-hd", voice="nova", max_retries=0)
    narration = tts.synthesize("你好，世界。", "zh", None, tmp_path / "n.wav")
    assert requests[0]["path"] == "/v1/audio/speech"
    assert requests[0]["auth"] == "Bearer sk-test"
    assert requests[0]["body"]["model"] == "tts-1-hd"
    assert requests[0]["body"]["voice"] == "nova"
    assert requests[0]["body"]["input"] == "你好，世界。"
    assert narration.audio_path.suffix == ".mp3"
    assert narration.duration == pytest.approx(1.5, abs=0.1)
    assert [word.token for word in narration.words] == ["你好，", "世界。"]
    assert narration.words[-1].end <= narration.duration


def test_openai_tts_error_response_is_a_tts_error(speech_server, tmp_path: Path) -> None:
    base_url, _ = speech_server
    tts = make_tts("openai", api_key="sk-test", base_url=base_url, max_retries=0)
    with pytest.raises(TtsError, match="voice not found"):
        tts.synthesize("hello", "en", "broken", tmp_path / "n.wav")
