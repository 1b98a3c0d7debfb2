"""Versioned prompt templates (`<task>.<version>.system.txt` / `.user.txt`), rendered with string.Template.

Bump the version in PROMPT_VERSIONS and add new files instead of editing a released template, so a stored
result can always be traced to the exact prompt that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from string import Template

DESCRIBE_MATERIAL_PROMPT = "describe_material.v1"
WRITE_SCRIPT_PROMPT = "write_script.v1"
SEO_PROMPT = "seo.v2"
PROMPT_VERSIONS: dict[str, str] = {
    "describe_material": DESCRIBE_MATERIAL_PROMPT,
    "write_script": WRITE_SCRIPT_PROMPT,
    "seo": SEO_PROMPT,
}


class PromptError(Exception):
    """A prompt template is missing or a variable it needs was not given."""


@dataclass(frozen=True)
class RenderedPrompt:
    version: str
    system: str
    user: str


def load_template(version: str, part: str) -> Template:
    name = f"{version}.{part}.txt"
    try:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise PromptError(f"prompt template {name} does not exist") from error
    return Template(text)


def render_prompt(version: str, **variables: object) -> RenderedPrompt:
    """Fill both templates of `version`; every $name in a template must be given (user text is never evaluated)."""
    values = {key: str(value) for key, value in variables.items()}
    try:
        return RenderedPrompt(
            version=version,
            system=load_template(version, "system").substitute(values),
            user=load_template(version, "user").substitute(values),
        )
    except KeyError as error:
        raise PromptError(f"prompt {version} needs variable {error.args[0]!r}") from error
