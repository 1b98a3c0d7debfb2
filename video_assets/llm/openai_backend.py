"""Any OpenAI-compatible chat endpoint (OpenAI, DeepSeek, Qwen, vLLM, Ollama) behind the LlmBackend interface.

Transport retries are ours, not the SDK's (it is built with max_retries=0): 429, 5xx, timeouts and connection
errors are retried with exponential backoff and full jitter, honouring Retry-After. Output retries are separate:
invalid JSON or a script that breaks the rules is sent back to the model with the reason, a bounded number of times.
The LlmError raised when either runs out says whether it is transient (transport) or not (4xx, invalid output), so
the stage can leave transient ones to the step's RetryPolicy.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx2
import openai

from video_assets.llm.errors import LlmError
from video_assets.llm.images import TOKENS_PER_IMAGE, image_data_url, pick_keyframes
from video_assets.llm.json_output import extract_json_object
from video_assets.llm.rate_limit import RateLimiter
from video_assets.llm.script_validation import InvalidOutput, parse_model, validated_script
from video_assets.llm.seo_validation import describe_rules, parse_seo
from video_assets.openai_errors import status_error_text
from video_assets.platforms import DEFAULT_PLATFORMS, PLATFORMS
from video_assets.prompts import DESCRIBE_MATERIAL_PROMPT, SEO_PROMPT, WRITE_SCRIPT_PROMPT, render_prompt
from video_assets.redaction import redact, register_secret
from video_assets.resilience import NoBreaker, VendorBreaker, VendorOutlasted, full_jitter
from video_assets.scripting.duration import duration_bounds
from video_assets.scripting.models import MaterialAnalysis, MaterialBrief, Script, SeoMeta
from video_assets.scripting.seo_limits import title_limits
from video_assets.total_deadline import deadline_transport, total_deadline

log = logging.getLogger(__name__)
Result = TypeVar("Result")
RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504}
MAX_ARTICLE_CHARS = 12_000  # keeps the prompt inside small context windows; the head of an article carries it
STYLE_GUIDES = {
    "default": "Follow the article's order, with a clear question or statement as the hook.",
    "product_geek": "Open with the most striking number or spec, favour concrete specs and prices, "
    "use short punchy scenes (about 3-4 seconds) and show product shots first.",
}


class OpenAICompatibleBackend:
    def __init__(
        self,
        base_url: str | None,
        api_key: str,
        text_model: str,
        vision_model: str | None = None,
        timeout: float = 60.0,
        call_deadline: float = 180.0,
        max_retries: int = 4,
        requests_per_minute: float | None = 60,
        tokens_per_minute: float | None = 200_000,
        max_output_repairs: int = 2,
        backoff_base_seconds: float = 1.0,
        backoff_max_seconds: float = 30.0,
        temperature: float = 0.4,
        sleep: Callable[[float], None] = time.sleep,
        breaker: VendorBreaker | NoBreaker | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        register_secret(api_key)
        self._breaker = breaker or NoBreaker()
        # `timeout` bounds each wait for the server; `call_deadline` bounds a whole exchange, which a server
        # dripping its answer byte by byte would otherwise stretch without end.
        http_client = httpx2.Client(transport=deadline_transport(), timeout=timeout)
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0, http_client=http_client
        )
        self.call_deadline = call_deadline
        self.text_model = text_model
        self.vision_model = vision_model or text_model
        self.max_retries = max_retries
        self.max_output_repairs = max_output_repairs
        self.backoff_base_seconds = backoff_base_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.temperature = temperature
        # A shared limiter (RateLimiter.shared) holds the vendor's limits across workers; else this process's own.
        self._limiter = limiter or RateLimiter(requests_per_minute, tokens_per_minute, sleep=sleep)
        self._sleep = sleep

    def describe_material(
        self, brief: MaterialBrief, keyframe_paths: Sequence[Path], article_context: str
    ) -> tuple[MaterialAnalysis, str]:
        prompt = render_prompt(
            DESCRIBE_MATERIAL_PROMPT,
            language="the language of the article",
            material_id=brief.id,
            kind=brief.kind,
            dimensions=f"{brief.width}x{brief.height}",
            duration_text=f", {brief.duration:.1f} s" if brief.duration else "",
            user_description=brief.description or "(none)",
            material_context=brief.context or "(none)",
            article_context=article_context[:3000],
            cv_summary=brief.cv.model_dump_json() if brief.cv else "(not measured)",
        )
        images = [image_data_url(Path(path)) for path in pick_keyframes(keyframe_paths)]
        user_content: list[dict[str, Any]] = [{"type": "text", "text": prompt.user}]
        user_content += [{"type": "image_url", "image_url": {"url": url, "detail": "low"}} for url in images]
        messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": user_content}]
        analysis = self._ask(
            f"describe_material(material {brief.id})",
            self.vision_model,
            messages,
            lambda data: parse_model(MaterialAnalysis, data),
            image_count=len(images),
        )
        return analysis, prompt.version

    def write_script(
        self,
        article_title: str,
        article_text: str,
        briefs: Sequence[MaterialBrief],
        style: str,
        language: str,
        target_seconds: float,
        variant_index: int,
    ) -> tuple[Script, str]:
        low, high = duration_bounds(target_seconds)
        prompt = render_prompt(
            WRITE_SCRIPT_PROMPT,
            language=language,
            style=style,
            style_guide=STYLE_GUIDES.get(style, f"Interpret the style name '{style}' in tone and pacing."),
            target_seconds=f"{target_seconds:.0f}",
            min_seconds=f"{low:.0f}",
            max_seconds=f"{high:.0f}",
            variant_index=variant_index,
            article_title=article_title,
            article_text=article_text[:MAX_ARTICLE_CHARS],
            materials_json=json.dumps([_material_for_prompt(brief) for brief in briefs], ensure_ascii=False),
        )
        messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]
        script = self._ask(
            f"write_script(style={style}, variant={variant_index})",
            self.text_model,
            messages,
            lambda data: validated_script(data, briefs, style, target_seconds),
        )
        return script, prompt.version

    def write_seo(
        self,
        script: Script,
        article_title: str,
        language: str,
        platforms: Sequence[str] = DEFAULT_PLATFORMS,
        seed_tags: Sequence[str] = (),
    ) -> tuple[SeoMeta, str]:
        short_limit, medium_limit, long_limit = title_limits(language)
        prompt = render_prompt(
            SEO_PROMPT,
            language=language,
            short_limit=short_limit,
            medium_limit=medium_limit,
            long_limit=long_limit,
            platform_rules="\n".join(describe_rules(PLATFORMS[name]) for name in platforms),
            article_title=article_title,
            hook=script.hook,
            seed_tags=", ".join(seed_tags) or "(none)",
            narration="\n".join(scene.narration for scene in script.scenes),
        )
        messages = [{"role": "system", "content": prompt.system}, {"role": "user", "content": prompt.user}]
        seo = self._ask(
            f"write_seo(style={script.style})",
            self.text_model,
            messages,
            lambda data: parse_seo(data, platforms, seed_tags),
        )
        return seo, prompt.version

    def _ask(
        self,
        call: str,
        model: str,
        messages: list[dict[str, Any]],
        parse: Callable[[dict[str, Any]], Result],
        image_count: int = 0,
    ) -> Result:
        """Chat until the reply parses; each invalid reply is answered with its validation error."""
        conversation = list(messages)
        last_problem = ""
        for _ in range(self.max_output_repairs + 1):
            reply = self._complete(call, model, conversation, image_count)
            try:
                return parse(extract_json_object(reply))
            except (InvalidOutput, ValueError) as error:
                last_problem = str(error)
                log.warning("LLM call %s returned invalid output: %s", call, last_problem)
                conversation += [
                    {"role": "assistant", "content": reply},
                    {
                        "role": "user",
                        "content": f"Your answer was invalid: {last_problem}\n"
                        "Reply again with only the corrected JSON object.",
                    },
                ]
        raise LlmError(call, self.max_output_repairs + 1, f"invalid output: {last_problem}", transient=False)

    def _complete(self, call: str, model: str, messages: list[dict[str, Any]], image_count: int) -> str:
        estimated = _estimate_tokens(messages, image_count)
        last_error = ""
        attempt = 0
        while attempt <= self.max_retries:
            try:
                self._breaker.admit()
            except VendorOutlasted as error:
                raise LlmError(call, attempt, str(error), transient=False) from None
            self._limiter.acquire(estimated)
            try:
                with total_deadline(self.call_deadline):
                    response = self._client.chat.completions.create(
                        model=model,
                        messages=messages,  # type: ignore[arg-type]
                        response_format={"type": "json_object"},
                        temperature=self.temperature,
                    )
            except openai.APIStatusError as error:
                last_error = status_error_text(error)
                if error.status_code not in RETRYABLE_STATUS:
                    self._breaker.succeeded()  # the vendor is up: it answered, and refused this call
                    # `from None`: the SDK error's text is the provider's raw body, which Dagster would store
                    raise LlmError(call, attempt + 1, last_error, transient=False) from None
                retry_after = _retry_after_seconds(error)
            except (openai.APITimeoutError, openai.APIConnectionError) as error:
                last_error = redact(f"{type(error).__name__}: {error}")
                retry_after = None
            else:
                self._breaker.succeeded()
                usage = response.usage.total_tokens if response.usage else None
                self._limiter.settle(estimated, usage)
                content = response.choices[0].message.content if response.choices else None
                return content or ""
            if self._breaker.failed(f"{call}: {last_error}"):
                # The vendor is down for everyone: waiting for it in admit() spends no attempt; patience bounds it.
                log.warning("LLM call %s failed (%s); the LLM's breaker is open", call, last_error)
                continue
            attempt += 1
            if attempt <= self.max_retries:
                delay = self._backoff(attempt, retry_after)
                log.warning("LLM call %s attempt %d failed (%s); retrying in %.1fs", call, attempt, last_error, delay)
                self._sleep(delay)
        # Only retryable errors get here: the endpoint may recover by the time the step runs again.
        raise LlmError(call, attempt, last_error, transient=True)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        return full_jitter(attempt, self.backoff_base_seconds, self.backoff_max_seconds, retry_after or 0.0)


def _material_for_prompt(brief: MaterialBrief) -> dict[str, Any]:
    item: dict[str, Any] = {"id": brief.id, "kind": brief.kind, "width": brief.width, "height": brief.height}
    if brief.duration:
        item["duration"] = round(brief.duration, 2)
    if brief.cv and brief.cv.scene_cuts:
        item["scene_cuts"] = brief.cv.scene_cuts
    item["context"] = brief.context[:300]
    if brief.description:
        item["author_description"] = brief.description
    if brief.analysis:
        item["analysis"] = brief.analysis.model_dump(
            include={"theme", "description", "narrative_role", "keywords", "quality_score"}
        )
    return item


def _estimate_tokens(messages: list[dict[str, Any]], image_count: int) -> int:
    """~1 token per 3 characters of text (CJK is nearer 1 per character, English 1 per 4) plus images and reply."""
    text = sum(
        len(part.get("text", "")) if isinstance(part, dict) else len(str(part))
        for message in messages
        for part in (message["content"] if isinstance(message["content"], list) else [message["content"]])
    )
    return text // 3 + image_count * TOKENS_PER_IMAGE + 1000


def _retry_after_seconds(error: openai.APIStatusError) -> float | None:
    value = error.response.headers.get("retry-after") if error.response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date; the exponential backoff is good enough then
