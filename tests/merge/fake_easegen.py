"""A real HTTP server on 127.0.0.1 that speaks Easegen's merge protocol, for tests only.

It answers the three calls the Easegen client makes, checks the `X-API-Key` header, and serves media files, so a
finished job's `merge_video` and `thumbnail` URLs point at real files the test made::

    with FakeEasegen() as easegen:
        easegen.serve_file("video.mp4", clip)                # GET {base_url}/files/video.mp4
        easegen.script(done(polls=3), failed(reasons=["font missing"]))
        backend = EasegenBackend(easegen.base_url, easegen.api_key)
        first, second = backend.submit(submission), backend.submit(submission)

Each accepted submission takes the next scripted behaviour, or `default` once the script is used up. A behaviour
counts the status calls that ask about its job: call 1 answers status 0 (draft), later calls status 1 (merging)
with a rising completion_percentage, and from call `polls` on the job answers its outcome. Server-wide faults
(`fail_next_*`, `delay_*`) apply on top, whatever the job. Ids are issued as 1001, 1002, ...: the submit answer
carries a JSON number, the result array a string, as Easegen's do.
"""

from __future__ import annotations

import json
import mimetypes
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

Outcome = Literal["done", "failed", "running", "forgotten", "rejected", "odd"]
INTERNAL_ERROR = '{"detail": "Internal Server Error"}'
NOT_FOUND = '{"detail": "Not Found"}'
UNAVAILABLE = '{"detail": "Service Unavailable"}'


@dataclass(frozen=True)
class Behaviour:
    """What one submitted job does. Build it with done(), done_at(), failed(), never_finishes(), forgotten(),
    rejected() or odd_status()."""

    outcome: Outcome
    polls: int = 1
    reasons: str | list[str] | None = None
    video: str | None = None
    thumbnail: str | None = None
    subtitles: str | None = None
    duration: float | None = None
    message: str | None = None
    video_url: str | None = None  # sent as merge_video verbatim, instead of a served file's URL
    status_code: Any = None


def done(
    polls: int = 1,
    video: str = "video.mp4",
    thumbnail: str | None = "thumbnail.jpg",
    subtitles: str | None = None,
    duration: float | None = 2.0,
) -> Behaviour:
    """Status 2 from the `polls`-th status call on. `video`, `thumbnail` and `subtitles` name files under
    `{base_url}/files/`; serve them with serve_file() (an unserved name answers 404, to test a broken result)."""
    return Behaviour("done", polls, video=video, thumbnail=thumbnail, subtitles=subtitles, duration=duration)


def done_at(video_url: str, polls: int = 1) -> Behaviour:
    """Status 2 with `merge_video` set to `video_url` as given (a hostile vendor's `file://...`, another host)."""
    return Behaviour("done", polls, thumbnail=None, duration=2.0, video_url=video_url)


def odd_status(code: Any, polls: int = 1) -> Behaviour:
    """From the `polls`-th status call on, the job's entry carries `status` = `code`, which is not in the protocol."""
    return Behaviour("odd", polls, status_code=code)


def failed(polls: int = 1, reasons: str | list[str] | None = "merge failed") -> Behaviour:
    """Status 3 from the `polls`-th status call on, with `failure_reasons` sent as given (a string or a list)."""
    return Behaviour("failed", polls, reasons=reasons)


def never_finishes() -> Behaviour:
    """Draft on the first status call, then merging (status 1) for ever."""
    return Behaviour("running")


def forgotten(polls: int = 1) -> Behaviour:
    """Omitted from the result array from the `polls`-th status call on, as if the vendor lost its record."""
    return Behaviour("forgotten", polls)


def rejected(message: str = "invalid scenes") -> Behaviour:
    """The submit answers `{"success": false, "message": ...}` and no job is recorded."""
    return Behaviour("rejected", message=message)


@dataclass
class _Job:
    behaviour: Behaviour
    polls: int = 0
    finish_time: str | None = None


@dataclass
class _Faults:
    count: int = 0
    status: int = 500
    body: str = INTERNAL_ERROR


@dataclass
class _Answer:
    status: int
    body: str
    delay: float = 0.0


class FakeEasegen:
    """The stand-in server; it runs from construction until close() (or the end of its `with` block).

    Recorded, in arrival order, for authenticated calls only:
      - `submissions`: every submit body, including those answered with an error;
      - `job_ids`: the jobs the vendor recorded (str ids);
      - `status_calls`: the ids asked by each status call, including calls answered with an error;
      - `resubmits`: the ids of accepted resubmits;
      - `calls_while_down`: API calls answered 503 during an outage (go_down()), authenticated or not.
    """

    def __init__(self, api_key: str = "easegen-test-key", default: Behaviour | None = None) -> None:
        self.api_key = api_key
        self.default = default or done(polls=2)
        self.submissions: list[Any] = []
        self.job_ids: list[str] = []
        self.status_calls: list[list[str]] = []
        self.resubmits: list[str] = []
        self.calls_while_down = 0
        self._down_until = 0.0
        self._script: list[Behaviour] = []
        self._jobs: dict[str, _Job] = {}
        self._files: dict[str, Path] = {}
        self._status_faults = _Faults()
        self._submit_faults = _Faults()
        self._status_delay = 0.0
        self._submit_delay = 0.0
        self._next_id = 1001
        self._repeated_ids: list[str] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting ------------------------------------------------------------------------------------------------

    def script(self, *behaviours: Behaviour) -> None:
        """Queue behaviours for the next accepted submissions (and resubmits), in the order they arrive."""
        with self._lock:
            self._script.extend(behaviours)

    def fail_next_status_calls(self, count: int, status: int = 500, body: str = INTERNAL_ERROR) -> None:
        """Answer the next `count` status calls with `status` and the raw `body` (status 200 with a non-JSON body
        makes a garbage answer). Jobs do not advance on these calls."""
        with self._lock:
            self._status_faults = _Faults(count, status, body)

    def fail_next_submits(self, count: int, status: int = 500, body: str = INTERNAL_ERROR) -> None:
        """Answer the next `count` submits with `status` and the raw `body`; no job is recorded for them."""
        with self._lock:
            self._submit_faults = _Faults(count, status, body)

    def delay_status(self, seconds: float) -> None:
        """Hold every status answer for `seconds` (0 to stop). The vendor has already counted the call by then."""
        with self._lock:
            self._status_delay = seconds

    def delay_submit(self, seconds: float) -> None:
        """Hold every submit answer for `seconds` (0 to stop). The job is recorded first, so a client that times
        out has still created it."""
        with self._lock:
            self._submit_delay = seconds

    def go_down(self, seconds: float) -> None:
        """Answer every API call 503 for the next `seconds`, as a vendor in an outage; files are still served."""
        with self._lock:
            self._down_until = time.monotonic() + seconds

    def _down(self) -> bool:
        with self._lock:
            if time.monotonic() >= self._down_until:
                return False
            self.calls_while_down += 1
            return True

    def repeat_ids(self, *job_ids: str) -> None:
        """Answer later submissions with these ids again (a vendor bug): each is repeated by the first accepted
        submission after the vendor issued it to another job."""
        with self._lock:
            self._repeated_ids.extend(job_ids)

    def serve_file(self, name: str, path: Path) -> str:
        """Serve `path` at `{base_url}/files/{name}`, without authentication like a CDN; returns that URL."""
        self._files[name] = path
        return self.file_url(name)

    def file_url(self, name: str) -> str:
        return f"{self.base_url}/files/{name}"

    # --- lifecycle ------------------------------------------------------------------------------------------------

    def close(self) -> None:
        self._closed.set()  # wakes delayed answers, so shutting down never waits for them
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeEasegen:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # --- the protocol ---------------------------------------------------------------------------------------------

    def _submit(self, body: Any) -> _Answer:
        with self._lock:
            self.submissions.append(body)
            delay = self._submit_delay
            if self._submit_faults.count > 0:
                self._submit_faults.count -= 1
                return _Answer(self._submit_faults.status, self._submit_faults.body, delay)
            problem = _invalid_submission(body)
            if problem is not None:
                return _Answer(422, json.dumps({"detail": problem}), delay)
            behaviour = self._next_behaviour()
            if behaviour.outcome == "rejected":
                return _Answer(200, json.dumps({"success": False, "message": behaviour.message}), delay)
            if self._repeated_ids and self._repeated_ids[0] in self._jobs:
                job_id = self._repeated_ids.pop(0)
            else:
                job_id = str(self._next_id)
                self._next_id += 1
                self._jobs[job_id] = _Job(behaviour)
            self.job_ids.append(job_id)
            return _Answer(200, json.dumps({"success": True, "courseMediaId": int(job_id)}), delay)

    def _status(self, ids: list[str]) -> _Answer:
        with self._lock:
            self.status_calls.append(ids)
            delay = self._status_delay
            if self._status_faults.count > 0:
                self._status_faults.count -= 1
                return _Answer(self._status_faults.status, self._status_faults.body, delay)
            rows = [self._row(job_id) for job_id in ids]
            return _Answer(200, json.dumps([row for row in rows if row is not None]), delay)

    def _resubmit(self, body: Any) -> _Answer:
        job_id = str(body.get("courseMediaId")) if isinstance(body, dict) else ""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return _Answer(200, json.dumps({"success": False, "message": f"no courseMediaId {job_id!r}"}))
            behaviour = self._next_behaviour()
            if behaviour.outcome == "rejected":
                return _Answer(200, json.dumps({"success": False, "message": behaviour.message}))
            self._jobs[job_id] = _Job(behaviour)
            self.resubmits.append(job_id)
            return _Answer(200, json.dumps({"success": True}))

    def _next_behaviour(self) -> Behaviour:
        return self._script.pop(0) if self._script else self.default

    def _row(self, job_id: str) -> dict[str, Any] | None:
        job = self._jobs.get(job_id)
        if job is None:
            return None
        job.polls += 1
        behaviour, call = job.behaviour, job.polls
        if behaviour.outcome == "forgotten" and call >= behaviour.polls:
            return None
        row: dict[str, Any] = {
            "courseMediaId": job_id,
            "status": 0 if call == 1 else 1,
            "completion_percentage": min(99.0, round(100 * (1 - 1 / call), 1)),
            "finish_time": None,
            "merge_video": None,
            "duration": None,
            "subtitles_url": None,
            "thumbnail": None,
            "failure_reasons": None,
        }
        if call < behaviour.polls or behaviour.outcome == "running":
            return row
        if behaviour.outcome == "odd":
            row.update(status=behaviour.status_code)
        elif behaviour.outcome == "failed":
            row.update(status=3, failure_reasons=behaviour.reasons)
        elif behaviour.outcome == "done":
            job.finish_time = job.finish_time or time.strftime("%Y-%m-%d %H:%M:%S")
            row.update(
                status=2,
                completion_percentage=100.0,
                finish_time=job.finish_time,
                merge_video=behaviour.video_url or self._url(behaviour.video),
                thumbnail=self._url(behaviour.thumbnail),
                subtitles_url=self._url(behaviour.subtitles),
                duration=behaviour.duration,
            )
        return row

    def _url(self, name: str | None) -> str | None:
        return None if name is None else self.file_url(name)


def _invalid_submission(body: Any) -> str | None:
    """What a real vendor would refuse with 422: a body without the fields a merge needs."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    missing = [key for key in ("name", "aspect", "width", "height", "scenes") if key not in body]
    if missing:
        return f"missing fields: {', '.join(missing)}"
    scenes = body["scenes"]
    if not isinstance(scenes, list) or not scenes:
        return "scenes must be a non-empty list"
    for index, scene in enumerate(scenes):
        if not isinstance(scene, dict) or not isinstance(scene.get("background"), dict):
            return f"scenes[{index}].background is missing"
        if not scene["background"].get("src"):
            return f"scenes[{index}].background.src is missing"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeEasegen) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up before a delayed answer is written; that is the scenario, not a bug.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
        url = urlsplit(self.path)
        if url.path.startswith("/files/"):
            self._send_file(unquote(url.path.removeprefix("/files/")))
        elif url.path != "/api/mergemedia/result":
            self._answer(_Answer(404, NOT_FOUND))
        elif self.server.fake._down():
            self._answer(_Answer(503, UNAVAILABLE))
        elif self._authorised():
            ids = parse_qs(url.query).get("courseMediaIds", [""])[0]
            self._answer(self.server.fake._status([job_id for job_id in ids.split(",") if job_id]))

    def do_POST(self) -> None:  # noqa: N802 - name fixed by http.server
        routes = {"/api/mergemedia": self.server.fake._submit, "/api/reMergemedia": self.server.fake._resubmit}
        route = routes.get(urlsplit(self.path).path)
        length = int(self.headers.get("content-length", 0))
        raw = self.rfile.read(length)
        if route is None:
            self._answer(_Answer(404, NOT_FOUND))
        elif self.server.fake._down():
            self._answer(_Answer(503, UNAVAILABLE))
        elif self._authorised():
            try:
                body = json.loads(raw)
            except ValueError:
                self._answer(_Answer(400, '{"detail": "the body is not JSON"}'))
                return
            self._answer(route(body))

    def _authorised(self) -> bool:
        key = self.headers.get("X-API-Key")
        if key == self.server.fake.api_key:
            return True
        # Echoes the key it got, as some real services do, so tests can check that the client redacts it.
        self._answer(_Answer(401, json.dumps({"detail": f"invalid X-API-Key {key!r}"})))
        return False

    def _answer(self, answer: _Answer) -> None:
        if answer.delay > 0:
            self.server.fake._closed.wait(answer.delay)
        payload = answer.body.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send_file(self, name: str) -> None:
        path = self.server.fake._files.get(name)
        if path is None:
            self._answer(_Answer(404, NOT_FOUND))
            return
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(name)[0] or "application/octet-stream")
        self.send_header("Content-Length", str(path.stat().st_size))
        self.end_headers()
        with path.open("rb") as handle:
            shutil.copyfileobj(handle, self.wfile)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keeps test output quiet
        return
