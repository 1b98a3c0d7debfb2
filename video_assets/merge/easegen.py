"""Easegen merge client: `POST /api/mergemedia` -> courseMediaId, batch `GET /api/mergemedia/result`, and
`POST /api/reMergemedia`, every call authenticated by the `X-API-Key` header.

Every failure becomes a MergeVendorError. `transient` says whether a retry may succeed; `delivered` says whether the
call may have taken effect at the vendor (None: unknown, as after a read timeout), which is what decides whether a
submission can safely be sent again.

Every call goes through the vendor's guard (video_assets/resilience): its breaker and rate limit, shared by every
worker when a database is configured. A submission waits out an open breaker, and is repeated only when the vendor
certainly did not receive it; a poll or resubmission does not wait (a reconcile pass has other jobs to settle) and
fails at once as transient. Each exchange also has a total deadline, held by a watchdog whatever the vendor sends.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import requests
from urllib3.exceptions import NewConnectionError

from video_assets.media.watchdog import DownloadWatchdog, WatchedAdapter
from video_assets.merge.base import JobState, JobStatus, MergeScene, MergeSubmission, MergeVendorError
from video_assets.redaction import excerpt, register_secret
from video_assets.resilience import NoBreaker, VendorDown, VendorGuard, VendorOutlasted
from video_assets.transient import TRANSIENT_HTTP_STATUS

_STATES = {0: JobState.PENDING, 1: JobState.RUNNING, 2: JobState.DONE, 3: JobState.FAILED}
_EXCERPT_CHARS = 200
_GATEWAY_TIMEOUT = 504


class EasegenBackend:
    """MergeBackend for Easegen. `timeout_seconds` bounds each wait for the vendor's answer (Easegen's own admin
    client polls with 5 s); `connect_timeout_seconds` bounds establishing the connection; `call_deadline_seconds`
    bounds a whole exchange."""

    name: str = "easegen"
    max_batch: int = 50

    def __init__(
        self,
        base_url: str,
        api_key: str,
        timeout_seconds: float = 5.0,
        connect_timeout_seconds: float = 5.0,
        result_origins: Sequence[str] = (),
        call_deadline_seconds: float = 60.0,
        guard: VendorGuard | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self.result_origins = (self._base_url, *result_origins)
        register_secret(api_key)
        self._api_key = api_key
        self._timeout = (connect_timeout_seconds, timeout_seconds)
        self._call_deadline = call_deadline_seconds
        self._guard = guard or VendorGuard(NoBreaker())

    def submit(self, submission: MergeSubmission) -> str:
        answer = self._call("submit", "POST", "/api/mergemedia", _payload(submission), wait=True)
        answer = self._expect_success("submit", answer)
        job_id = _job_id(answer.get("courseMediaId"))
        if job_id is None:
            raise self._error(
                f"Easegen submit answered success without a usable courseMediaId: {_excerpt(repr(answer))}",
                transient=False,
                delivered=None,  # the vendor holds a job we cannot name
            )
        return job_id

    def poll(self, job_ids: Sequence[str]) -> dict[str, JobStatus]:
        """One JobStatus per distinct id, asked `max_batch` ids per HTTP call; an id missing from the vendor's answer
        is FAILED. Any failed call raises, so a caller never mistakes an unanswered batch for unknown jobs. An entry
        that cannot be read makes only its own job UNREADABLE; when an entry names no job, a missing id may be that
        entry, so missing ids are UNREADABLE too rather than FAILED."""
        wanted = list(dict.fromkeys(job_ids))
        statuses: dict[str, JobStatus] = {}
        for start in range(0, len(wanted), self.max_batch):
            batch = wanted[start : start + self.max_batch]
            answer = self._call("poll", "GET", "/api/mergemedia/result", params={"courseMediaIds": ",".join(batch)})
            rows, nameless = self._rows_by_id(answer)
            for job_id in batch:
                row = rows.get(job_id)
                if row is not None:
                    statuses[job_id] = self._status(job_id, row)
                elif nameless:
                    statuses[job_id] = JobStatus(
                        job_id, JobState.UNREADABLE, reason=f"Easegen poll: {nameless[0]}; this job's entry may be it"
                    )
                else:
                    statuses[job_id] = JobStatus(job_id, JobState.FAILED, reason="Easegen has no record of this job")
        return statuses

    def resubmit(self, job_id: str) -> None:
        self._expect_success("resubmit", self._call("resubmit", "POST", "/api/reMergemedia", {"courseMediaId": job_id}))

    # --- HTTP -----------------------------------------------------------------------------------------------------

    def _call(
        self,
        call: str,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        wait: bool = False,
    ) -> Any:
        """One HTTP exchange under the guard; returns the decoded JSON answer."""
        what = f"Easegen {call} ({method} {path})"

        def repeatable(error: Exception) -> bool:
            # A GET changes nothing at the vendor; a POST is sent again only if it certainly never arrived.
            return method == "GET" or getattr(error, "delivered", None) is False

        try:
            return self._guard.call(
                what, lambda: self._exchange(what, method, path, body, params), wait=wait, repeatable=repeatable
            )
        except VendorOutlasted as error:
            raise self._error(f"{what}: {error}", transient=False, delivered=False) from None
        except VendorDown as error:
            raise self._error(f"{what}: {error}", transient=True, delivered=False) from None

    def _exchange(
        self, what: str, method: str, path: str, body: dict[str, Any] | None, params: dict[str, str] | None
    ) -> Any:
        with DownloadWatchdog(self._call_deadline, 0.0, 0.0) as watchdog, self._session(watchdog) as session:
            try:
                return self._answer(what, method, session, path, body, params)
            except MergeVendorError as error:
                if watchdog.reason is None:
                    raise
                raise self._error(
                    f"{what}: no complete answer within the call's total deadline of {self._call_deadline:g} s",
                    transient=True,
                    delivered=False if error.delivered is False else None,
                ) from error

    def _session(self, watchdog: DownloadWatchdog) -> requests.Session:
        """A session whose sockets the watchdog cuts at the call's total deadline (read timeouts restart with every
        byte, so a dripping vendor would never trip them)."""
        session = requests.Session()
        # Proxy and .netrc settings from the environment must not reroute a call that carries the vendor key.
        session.trust_env = False
        session.headers.update({"X-API-Key": self._api_key, "Accept": "application/json"})
        adapter = WatchedAdapter(watchdog)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def _answer(
        self,
        what: str,
        method: str,
        session: requests.Session,
        path: str,
        body: dict[str, Any] | None,
        params: dict[str, str] | None,
    ) -> Any:
        try:
            response = session.request(
                method,
                self._base_url + path,
                json=body,
                params=params,
                timeout=self._timeout,
                allow_redirects=False,  # a redirected POST turns into a GET; a moved endpoint is a configuration error
            )
        except requests.exceptions.ConnectTimeout as error:
            raise self._error(
                f"{what}: could not connect within {self._timeout[0]:g} s", transient=True, delivered=False
            ) from error
        except requests.exceptions.ReadTimeout as error:
            raise self._error(
                f"{what}: no answer within {self._timeout[1]:g} s", transient=True, delivered=None
            ) from error
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as error:
            cause = _connect_failure(error)
            if cause is not None:
                raise self._error(f"{what}: could not connect: {cause}", transient=True, delivered=False) from error
            # The request may have been sent in full before the connection broke.
            raise self._error(
                f"{what}: the connection broke before the answer was complete: {_excerpt(str(error))}",
                transient=True,
                delivered=None,
            ) from error
        except requests.exceptions.RequestException as error:
            raise self._error(
                f"{what}: {type(error).__name__}: {_excerpt(str(error))}", transient=False, delivered=None
            ) from error

        status = response.status_code
        if not 200 <= status < 300:
            raise self._error(
                f"{what}: HTTP {status}: {_excerpt(response.text)}",
                transient=status in TRANSIENT_HTTP_STATUS or status >= 500,
                # A gateway timeout is the vendor's front end giving up on its back end, which may have taken the
                # request; every other refusal means the vendor did not act on it.
                delivered=None if status == _GATEWAY_TIMEOUT else False,
            )
        try:
            return response.json()
        except ValueError as error:
            raise self._error(
                f"{what}: HTTP {status} with a body that is not JSON: {_excerpt(response.text)}",
                # A maintenance page is what an outage often looks like. A GET changes nothing at the vendor, so
                # asking again later is safe; a POST's effect is unknown, so it is not repeated.
                transient=method == "GET",
                delivered=None,
            ) from error

    def _expect_success(self, call: str, answer: Any) -> dict[str, Any]:
        if isinstance(answer, dict) and answer.get("success") is True:
            return answer
        if isinstance(answer, dict) and answer.get("success") is False:
            detail = answer.get("message") or answer.get("detail") or "no message"
            raise self._error(f"Easegen {call} refused: {_excerpt(str(detail))}", transient=False, delivered=False)
        raise self._error(
            f"Easegen {call}: expected {{success, ...}}, got {_excerpt(repr(answer))}", transient=False, delivered=None
        )

    def _error(self, message: str, transient: bool, delivered: bool | None) -> MergeVendorError:
        return MergeVendorError(message, transient=transient, delivered=delivered)

    # --- result parsing -------------------------------------------------------------------------------------------

    def _rows_by_id(self, answer: Any) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """The entries by job id, and a complaint for each entry that names no job."""
        if not isinstance(answer, list):
            # Nothing in it can be tied to a job: the whole batch is asked again later (its deadlines still hold).
            raise self._error(
                f"Easegen poll (GET /api/mergemedia/result): expected a JSON array, got {_excerpt(repr(answer))}",
                transient=True,
                delivered=None,
            )
        rows: dict[str, dict[str, Any]] = {}
        nameless: list[str] = []
        for row in answer:
            job_id = _job_id(row.get("courseMediaId")) if isinstance(row, dict) else None
            if job_id is None:
                nameless.append(f"a result entry has no usable courseMediaId: {_excerpt(repr(row))}")
            else:
                rows[job_id] = row
        return rows, nameless

    def _status(self, job_id: str, row: dict[str, Any]) -> JobStatus:
        code = row.get("status")
        number = _number(code)
        state = _STATES.get(int(number)) if number is not None and number.is_integer() else None
        if state is None:
            reason = f"Easegen poll: job {job_id} has status {_excerpt(repr(code))}, expected 0, 1, 2 or 3"
            return JobStatus(job_id, JobState.UNREADABLE, reason=reason, raw=row)
        video_url = _text(row.get("merge_video"))
        reason = None
        if state is JobState.FAILED:
            reason = _reasons(row.get("failure_reasons")) or "Easegen gave no failure reason"
        elif state is JobState.DONE and video_url is None:
            # Reported finished but unusable: a failure the pipeline can record and resubmit, not a success.
            state, reason = JobState.FAILED, "Easegen reported the merge done (status 2) without a merge_video URL"
        percentage = _number(row.get("completion_percentage"))
        progress = 1.0 if state is JobState.DONE else min(1.0, max(0.0, (percentage or 0.0) / 100))
        return JobStatus(
            job_id=job_id,
            state=state,
            progress=progress,
            video_url=video_url,
            thumbnail_url=_text(row.get("thumbnail")),
            subtitles_url=_text(row.get("subtitles_url")),
            duration=_number(row.get("duration")),
            reason=reason,
            raw=row,
        )


def _payload(submission: MergeSubmission) -> dict[str, Any]:
    return {
        "name": submission.name,
        "aspect": submission.aspect,
        "width": submission.width,
        "height": submission.height,
        "subtitlesStyle": submission.subtitles_style,
        "scenes": [_scene(scene) for scene in submission.scenes],
    }


def _scene(scene: MergeScene) -> dict[str, Any]:
    # Easegen takes no per-scene duration: the narration sets each scene's length.
    return {
        "orderNo": scene.order_no,
        "background": {"src": scene.background_url},
        "narration": scene.narration,
        "voice": scene.voice,
    }


def _connect_failure(error: requests.exceptions.RequestException) -> str | None:
    """Why the TCP connection could not be opened (so nothing reached the vendor), or None if it was opened."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if not isinstance(reason, NewConnectionError):
        return None
    cause = reason.__cause__
    return cause.strerror if isinstance(cause, OSError) and cause.strerror else _excerpt(str(reason))


def _job_id(value: Any) -> str | None:
    """Easegen sends ids as numbers or strings; ours are always strings."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return text or None


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _reasons(value: Any) -> str | None:
    parts = value if isinstance(value, list) else [value]
    text = "; ".join(str(part).strip() for part in parts if part is not None and str(part).strip())
    return text or None


def _excerpt(text: str) -> str:
    return excerpt(text, _EXCERPT_CHARS)
