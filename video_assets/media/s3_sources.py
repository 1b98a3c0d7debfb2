"""Where `s3://` materials may come from. They are read with the service's own credentials, so without this rule a
request could have the pipeline read any object those credentials reach, other requests' objects included."""

from __future__ import annotations

from dataclasses import dataclass

REQUESTS_PREFIX = "requests/"
# Objects clients upload through presigned forms (POST /v1/uploads), as `api-uploads/<tenant>/<id>/<name>`. The API
# lets a tenant name only its own uploads, so ingestion may read any key here.
UPLOADS_PREFIX = "api-uploads/"


@dataclass(frozen=True)
class S3Sources:
    """`allowed` entries are `bucket` (the whole bucket) or `bucket/prefix/`. In our own store's bucket, keys under
    `requests/` belong to requests: only the request's own are readable, whatever the entries say; keys under
    `api-uploads/` are readable (their tenant was checked at submit)."""

    allowed: tuple[str, ...] = ()
    store_bucket: str = ""
    request_id: str | None = None

    def refusal(self, bucket: str, key: str) -> str | None:
        """Why `s3://bucket/key` may not be read for this request, or None when it may."""
        location = f"s3://{bucket}/{key}"
        segments = key.split("/")
        if any(segment in ("", ".", "..") for segment in segments):
            return f"refused {location}: the key has an empty, '.' or '..' segment"
        if bucket == self.store_bucket and key.startswith(REQUESTS_PREFIX):
            own = self.request_id is not None and segments[1] == self.request_id
            return None if own else f"refused {location}: it belongs to another request in the pipeline's own store"
        if bucket == self.store_bucket and key.startswith(UPLOADS_PREFIX):
            return None
        if any(_covers(entry, bucket, key) for entry in self.allowed):
            return None
        listed = ", ".join(self.allowed) or "none"
        return f"refused {location}: not under an allowed material source (VIDEO_ASSETS_S3_MATERIAL_SOURCES: {listed})"


def _covers(entry: str, bucket: str, key: str) -> bool:
    entry_bucket, _, prefix = entry.strip().strip("/").partition("/")
    return entry_bucket == bucket and (not prefix or key.startswith(prefix.rstrip("/") + "/"))
