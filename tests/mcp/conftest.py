"""The MCP tests run against the same kind of deployment as the HTTP API tests: one real `video-assets api` under
uvicorn for this package (tests/api/conftest.py's fixtures), on real Postgres and the moto S3 server."""

from tests.api.conftest import api, media_server  # noqa: F401
