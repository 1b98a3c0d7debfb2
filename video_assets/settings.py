"""Every `VIDEO_ASSETS_*` setting, defined once (name, default, type, description) and read from the environment by
pydantic-settings. The CLI, the demo and the resources share it; the resources read it when Dagster initialises them
for a run or a tick, so the code location imports with nothing set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PREFIX = "VIDEO_ASSETS_"

Mode = Literal["embedded", "production"]
ExecutorName = Literal["multiprocess", "celery"]
StepStartMethod = Literal["forkserver", "spawn"]


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variables and never carries their values."""


def sqlite_url(home: Path) -> str:
    return f"sqlite:///{(home / 'video_assets.db').resolve()}"


def env_name(field: str) -> str:
    if field not in Settings.model_fields:
        raise KeyError(f"no setting {field!r}")
    return PREFIX + field.upper()


def _split(value: Any, sep: str) -> Any:
    return tuple(part.strip() for part in value.split(sep) if part.strip()) if isinstance(value, str) else value


class ModeSettings(BaseSettings):
    """The settings the code location reads at import: they decide which resources and which executor exist."""

    # An empty variable (`VIDEO_ASSETS_LOCAL_ROOTS=` in a copied .env.example) means the default, not "".
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", env_ignore_empty=True)

    mode: Mode = Field(
        "embedded",
        description="`production`: Postgres and S3 required, no embedded fallback, op outputs pickled to S3; "
        "`embedded`: SQLite file and local store under VIDEO_ASSETS_HOME, nothing else to set",
    )
    executor: ExecutorName = Field(
        "multiprocess",
        description="how a launched run executes its steps: `multiprocess` (child processes of the run worker) or "
        "`celery` (Celery workers on the video_processing, video_generation and maintenance queues; production only)",
    )
    step_start_method: StepStartMethod = Field(
        "forkserver",
        description="how the multiprocess executor starts each step's process: `forkserver` (forked from a server "
        "that imported the code location once per run; fastest) or `spawn` (a fresh interpreter per step that imports "
        "everything again, Dagster's default)",
    )

    @model_validator(mode="after")
    def _celery_only_in_production(self) -> Self:
        if self.executor == "celery" and self.mode != "production":
            raise ValueError(
                f"{PREFIX}EXECUTOR=celery needs {PREFIX}MODE=production: Celery workers on other machines cannot "
                "see the embedded SQLite file, the local object store or op outputs pickled to a local disk"
            )
        return self


class Settings(ModeSettings):
    PRODUCTION_REQUIRED: ClassVar[tuple[str, ...]] = ("database_url", "s3_bucket")

    home: Path = Field(
        Path("./.video_assets"), description="embedded SQLite file, local object store (`objects/`), temp dirs"
    )
    database_url: SecretStr = Field(
        default_factory=lambda data: SecretStr(sqlite_url(data["home"])),
        description="system of record, `postgresql+psycopg2://...`; embedded default "
        "sqlite:///$VIDEO_ASSETS_HOME/video_assets.db",
    )
    storage: Literal["local", "s3"] = Field(
        default_factory=lambda data: "s3" if data["mode"] == "production" else "local",
        description="object store backend: `local` (embedded default) or `s3` (forced in production)",
    )
    s3_bucket: str = Field("video-assets", description="bucket of the `s3` backend and of production op outputs")
    s3_endpoint_url: str = Field("", description="MinIO or other S3-compatible endpoint; empty means AWS")
    s3_region: str = Field("us-east-1", description="S3 region")
    local_roots: Annotated[tuple[Path, ...], NoDecode] = Field(
        (), description="colon-separated directories local-path materials may come from"
    )
    fetch_allow_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="comma-separated hosts allowed to resolve to private addresses"
    )
    max_material_bytes: int = Field(50 * 1024 * 1024, description="per-material download cap")
    fetch_timeout_seconds: float = Field(
        300.0, gt=0, description="total time one download may take, held whatever the server does"
    )
    fetch_min_bytes_per_second: float = Field(
        16384.0, ge=0, description="a download averaging less than this after the grace period is cut; 0 turns it off"
    )
    fetch_rate_grace_seconds: float = Field(20.0, ge=0, description="how long a download runs before the rate rule")
    s3_material_sources: Annotated[tuple[str, ...], NoDecode] = Field(
        (),
        description="comma-separated `bucket` or `bucket/prefix/` entries s3:// materials may come from; a request's "
        "own objects in the pipeline's bucket are always readable, other requests' never",
    )
    fetch_workers: int = Field(4, description="parallel fetch/probe/normalise workers per request")
    sensor_batch_size: int = Field(50, description="rows the request sensor claims per tick")
    feed_urls: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="comma-separated RSS or Atom feed URLs; `feed_sensor` makes one request per new entry"
    )
    feed_request_updates: bool = Field(
        False, description="an updated feed entry (new `updated` date) becomes a new request instead of being skipped"
    )
    feeds_per_tick: int = Field(8, ge=1, description="feeds one `feed_sensor` tick polls, in turn, in parallel")
    feed_entries_per_tick: int = Field(20, ge=1, description="new entries one tick takes from each feed")

    llm_backend: Literal["offline", "openai"] = Field(
        "offline", description="`offline` (deterministic planner) or `openai` (any OpenAI-compatible endpoint)"
    )
    llm_base_url: str = Field("", description="e.g. DeepSeek, DashScope, vLLM or Ollama `.../v1`; empty means OpenAI")
    llm_api_key: SecretStr = Field(SecretStr(""), description="LLM key")
    llm_text_model: str = Field("", description="text model name")
    llm_vision_model: str = Field("", description="vision model name; empty means the text model")
    llm_requests_per_minute: float = Field(60.0, description="client-side request rate limit")
    llm_tokens_per_minute: float = Field(200_000.0, description="client-side token rate limit")
    llm_workers: int = Field(4, description="parallel material analyses per step")
    llm_patience_seconds: float = Field(
        600.0, description="an LLM outage shorter than this fails no request; longer, the requests that wait fail"
    )

    tts_backend: Literal["espeak", "openai", "edge"] = Field(
        "espeak", description="`espeak` (offline), `openai`, or `edge` (extra `edge`)"
    )
    tts_base_url: str = Field("", description="OpenAI TTS endpoint; empty means OpenAI")
    tts_api_key: SecretStr = Field(SecretStr(""), description="TTS key")
    tts_model: str = Field("tts-1", description="OpenAI TTS model")
    tts_voice: str = Field("", description="default OpenAI voice; a request's `voice` overrides it")
    tts_requests_per_minute: float = Field(50.0, ge=0, description="TTS request rate limit shared by every worker")
    tts_patience_seconds: float = Field(
        600.0, description="a TTS outage shorter than this fails no request; longer, the requests that wait fail"
    )

    render_crf: int = Field(23, description="libx264 CRF of the single pass")
    render_preset: str = Field("veryfast", description="libx264 preset of the single pass")

    merge_backend: Literal["local", "easegen"] = Field(
        "local", description="`local` (one ffmpeg pass in the render step) or `easegen` (external merge vendor)"
    )
    merge_base_url: str = Field("", description="the merge vendor's API root")
    merge_api_key: SecretStr = Field(SecretStr(""), description="merge vendor key, sent as `X-API-Key`")
    merge_deadline_seconds: int = Field(1800, description="an external job unfinished after this fails")
    merge_requests_per_minute: float = Field(
        60.0, ge=0, description="merge vendor request rate limit shared by every worker"
    )
    merge_patience_seconds: float = Field(
        600.0, description="a merge vendor outage shorter than this fails no submission; longer, the variants fail"
    )
    database_patience_seconds: float = Field(
        300.0, ge=0, description="how long a step's writes wait out a database outage before the step fails"
    )

    celery_broker: SecretStr = Field(SecretStr(""), description="Celery broker URL, e.g. redis://host:6379/0")
    celery_backend: SecretStr = Field(
        SecretStr(""), description="Celery result backend; empty means the broker itself (Redis) or rpc:// (AMQP)"
    )
    celery_visibility_timeout_seconds: int = Field(
        3600,
        description="Redis broker: a task unacknowledged this long is handed to another worker (a killed worker's "
        "step runs again); must exceed the longest step",
    )

    heartbeat_seconds: float = Field(10.0, gt=0, description="how often a running step touches its request")
    stalled_after_seconds: float = Field(
        60.0, description="a STARTED run whose request has not heartbeat for this long is failed as stalled"
    )

    ui_url: str = Field(
        "http://127.0.0.1:3000",
        description="the Dagster UI as operators' browsers reach it (behind the reverse proxy, if any): asset "
        "metadata links the same request's page on the stages before and after it, and each material's page",
    )

    api_host: str = Field("127.0.0.1", description="address `video-assets api` listens on")
    api_port: int = Field(8080, ge=1, le=65535, description="port `video-assets api` listens on")
    api_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="processes serving the API (uvicorn workers): submit is CPU-bound Python, so one "
        "process serves about one core",
    )
    metrics_host: str = Field("127.0.0.1", description="address `video-assets exporter` serves /metrics on")
    metrics_port: int = Field(9108, ge=1, le=65535, description="port `video-assets exporter` serves /metrics on")
    metrics_interval_seconds: float = Field(
        5.0, gt=0, description="how often the exporter reads the Dagster instance and the tables again"
    )
    api_rate_per_minute: int = Field(
        120, ge=1, description="requests one tenant may make per rate window (a tenant's own limit overrides it)"
    )
    api_rate_window_seconds: int = Field(
        60, ge=1, description="length of the rate window; 60 makes VIDEO_ASSETS_API_RATE_PER_MINUTE per minute"
    )
    api_daily_output_seconds: float = Field(
        36000.0, ge=0, description="seconds of video (videos x target duration) one tenant may request per UTC day"
    )
    api_max_body_bytes: int = Field(1024 * 1024, ge=1024, description="a request body over this is refused with 413")

    webhook_timeout_seconds: float = Field(
        10.0, gt=0, description="total time one webhook POST may take, held whatever the receiver does"
    )
    webhook_first_retry_seconds: float = Field(
        5.0, gt=0, description="wait before a failed webhook delivery's first retry; each later wait doubles (jittered)"
    )
    webhook_retry_window_seconds: float = Field(
        86400.0,
        gt=0,
        description="a webhook delivery still failing this long after it was created (or redelivered) gives up, and "
        "its endpoint is marked failing",
    )
    webhook_workers: int = Field(4, ge=1, description="deliveries one webhook deliverer sends at once")
    webhook_poll_seconds: float = Field(1.0, gt=0, description="how often an idle deliverer looks for due deliveries")

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        return home.expanduser().resolve()

    @field_validator("local_roots", mode="before")
    @classmethod
    def _split_roots(cls, value: Any) -> Any:
        return _split(value, ":")

    @field_validator("local_roots")
    @classmethod
    def _absolute_roots(cls, roots: tuple[Path, ...]) -> tuple[Path, ...]:
        return tuple(root.expanduser().resolve() for root in roots)

    @field_validator("fetch_allow_hosts", "feed_urls", "s3_material_sources", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        return _split(value, ",")

    @model_validator(mode="after")
    def _stall_spans_three_beats(self) -> Self:
        """So that one slow database write never makes a busy run look dead."""
        if self.stalled_after_seconds < 3 * self.heartbeat_seconds:
            raise ValueError(
                f"{env_name('stalled_after_seconds')} ({self.stalled_after_seconds:g}) must be at least three times "
                f"{env_name('heartbeat_seconds')} ({self.heartbeat_seconds:g})"
            )
        return self

    @model_validator(mode="after")
    def _production_has_no_embedded_fallback(self) -> Self:
        """DESIGN §7: workers on other machines cannot share a SQLite file or a local directory."""
        if self.mode != "production":
            return self
        problems = [
            f"{env_name(field)} is required in production mode"
            for field in self.PRODUCTION_REQUIRED
            if field not in self.model_fields_set
        ]
        if self.storage != "s3":
            problems.append(f"{env_name('storage')}={self.storage} is refused in production mode: objects live in S3")
        if self.database_url.get_secret_value().startswith("sqlite"):
            problems.append(f"{env_name('database_url')}: the embedded SQLite database is refused in production mode")
        if self.executor == "celery" and not self.celery_broker.get_secret_value():
            problems.append(f"{env_name('celery_broker')} is required with {env_name('executor')}=celery")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def store_dir(self) -> Path:
        return self.home / "objects"

    @property
    def temp_dir(self) -> Path:
        return self.home / "tmp"


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"{PREFIX}{str(problem['loc'][0]).upper()}: {message}" if problem["loc"] else message)
    return "; ".join(lines)


def load_mode() -> ModeSettings:
    try:
        return ModeSettings()
    except ValidationError as error:
        raise SettingsError(_describe(error)) from None


def load_settings() -> Settings:
    """The settings as the environment gives them now."""
    try:
        return Settings()
    except ValidationError as error:
        # Not chained: pydantic's error repeats every input, secrets included.
        raise SettingsError(_describe(error)) from None
