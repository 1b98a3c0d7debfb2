#!/usr/local/bin/python
"""Entrypoint of the video-assets image: compose `VIDEO_ASSETS_DATABASE_URL` from its parts, then exec the command.

The compose file passes the system-of-record credentials as separate variables (`VIDEO_ASSETS_DB_HOST`, `_PORT`,
`_USER`, `_PASSWORD`, `_NAME`), the same values Postgres' init script creates the role with. Pasting a password
into a URL breaks on `@`, `:`, `/`, `%` or `#`; SQLAlchemy's `URL.create` escapes every part. A non-empty
`VIDEO_ASSETS_DATABASE_URL` (an external database) is kept as given: its password must then be URL-encoded.
Nothing here prints a credential.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping

URL_VARIABLE = "VIDEO_ASSETS_DATABASE_URL"
PARTS = "VIDEO_ASSETS_DB_"


def composed_database_url(environ: Mapping[str, str]) -> str | None:
    """The URL built from the `VIDEO_ASSETS_DB_*` parts, or None when a URL is given or no password is set."""
    if environ.get(URL_VARIABLE) or not environ.get(PARTS + "PASSWORD"):
        return None
    from sqlalchemy.engine import URL

    missing = [name for name in ("USER", "NAME") if not environ.get(PARTS + name)]
    if missing:
        raise SystemExit(f"entrypoint: set {', '.join(PARTS + name for name in missing)} (or {URL_VARIABLE})")
    port = environ.get(PARTS + "PORT") or "5432"
    if not port.isdigit():
        raise SystemExit(f"entrypoint: {PARTS}PORT must be a number")
    url = URL.create(
        "postgresql+psycopg2",
        username=environ[PARTS + "USER"],
        password=environ[PARTS + "PASSWORD"],
        host=environ.get(PARTS + "HOST") or "postgres",
        port=int(port),
        database=environ[PARTS + "NAME"],
    )
    return url.render_as_string(hide_password=False)


def prepare_environment(environ: MutableMapping[str, str]) -> None:
    url = composed_database_url(environ)
    if url is not None:
        environ[URL_VARIABLE] = url


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: video-assets-entrypoint COMMAND [ARG...]", file=sys.stderr)
        return 2
    prepare_environment(os.environ)
    os.execvp(argv[0], argv)  # replaces this process; signals reach the command directly


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
