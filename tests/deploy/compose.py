"""Reading the compose deployment the way `docker compose` does: YAML (anchors and `<<` merges), then variable
interpolation in values. No Docker engine needed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
COMPOSE_FILE = DOCKER / "docker-compose.yml"
DOCKERFILE = DOCKER / "Dockerfile"
ENV_EXAMPLE = REPO / ".env.example"
OUR_IMAGE = "video-assets:local"

# `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`, `${NAME:+alt}`, `$NAME`.
VARIABLE = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(ValueError):
    pass


def load_compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def variables_in(value: str) -> list[tuple[str, str | None, str]]:
    """(name, operator, argument) of every interpolation in `value`; `$$` is a literal dollar sign."""
    found = []
    for part in value.split("$$"):
        for match in VARIABLE.finditer(part):
            found.append((match["braced"] or match["bare"], match["op"], match["arg"] or ""))
    return found


def interpolate_string(value: str, environ: Mapping[str, str]) -> str:
    def resolve(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        op, arg = match["op"], match["arg"] or ""
        present, current = name in environ, environ.get(name, "")
        if op == ":-":
            return current if current else arg
        if op == "-":
            return current if present else arg
        if op in (":?", "?") and (not present or (op == ":?" and not current)):
            raise MissingVariable(f"{name}: {arg}")
        if op == ":+":
            return arg if current else ""
        if op == "+":
            return arg if present else ""
        return current

    return "$".join(VARIABLE.sub(resolve, part) for part in value.split("$$"))


def interpolate(node: Any, environ: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate_string(node, environ)
    if isinstance(node, Mapping):
        return {key: interpolate(value, environ) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate(item, environ) for item in node]
    return node


def all_variables(document: Any) -> dict[str, set[str | None]]:
    """Every variable the compose file interpolates, with the operators it is used with."""
    names: dict[str, set[str | None]] = {}
    for value in strings(document):
        for name, op, _ in variables_in(value):
            names.setdefault(name, set()).add(op)
    return names


def required_variables(document: Any) -> set[str]:
    return {name for name, ops in all_variables(document).items() if ops & {":?", "?"}}


def services(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(document["services"])


def runs_our_image(service: Mapping[str, Any]) -> bool:
    return "build" in service or service.get("image") == OUR_IMAGE


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def documented_names() -> str:
    return ENV_EXAMPLE.read_text(encoding="utf-8")


def is_documented(name: str, env_example: str) -> bool:
    """`NAME=` on some line of .env.example, set or commented out."""
    return re.search(rf"(?m)(?<![A-Za-z0-9_]){re.escape(name)}=", env_example) is not None


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):  # Docker drops comment lines, also inside a continuation
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    result = []
    for line in logical:
        instruction, _, arguments = line.partition(" ")
        result.append((instruction.upper(), arguments.strip()))
    return result
