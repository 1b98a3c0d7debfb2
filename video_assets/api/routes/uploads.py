"""/v1/uploads: a presigned S3 POST for one material, and the `s3://` URI to name it by in this tenant's requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from video_assets.api.deps import scoped, settings_of, store_of
from video_assets.api.intake import JsonText, parsed_json
from video_assets.api.openapi import json_body
from video_assets.api.problems import Problem, problem_responses, refused
from video_assets.db.engine import session_scope
from video_assets.request_json import describe_validation_error
from video_assets.service.keys import Principal
from video_assets.service.uploads import open_upload
from video_assets.storage import S3ObjectStore

router = APIRouter(prefix="/v1", tags=["uploads"], responses=problem_responses(400, 401, 403, 413, 429))
FORM_SECONDS = 900  # the form is a bearer credential for one object: short-lived, like every presigned URL here


class UploadSpec(BaseModel):
    """The object to upload: a plain file name (kept in its key) and the media type S3 will require."""

    model_config = ConfigDict(extra="forbid")
    filename: str = Field(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")
    content_type: str = Field(pattern=r"^(image|video|audio)/[a-z0-9][a-z0-9.+-]{0,62}$")


class UploadAnswer(BaseModel):
    id: str
    uri: str = Field(description="name this in a request's materials (or watermark, bgm); only this tenant may")
    url: str = Field(description="POST a multipart/form-data form here: `fields`, then the file as `file`")
    fields: dict[str, str]
    content_type: str
    max_bytes: int
    expires_at: datetime = Field(description="the form stops working then; the uploaded object stays usable")


@router.post(
    "/uploads",
    status_code=201,
    openapi_extra=json_body(UploadSpec.model_json_schema()),
    responses=problem_responses(415, 422, 501),
)
def create_upload(
    request: Request, principal: Annotated[Principal, Depends(scoped("submit"))], text: JsonText
) -> UploadAnswer:
    """A presigned POST form for one object of the given type, at most the material size cap."""
    raw = parsed_json(text, 2)
    if not isinstance(raw, dict):
        raise refused(400, "Bad Request", [f"request: must be a JSON object, got {type(raw).__name__}"])
    try:
        spec = UploadSpec.model_validate(raw)
    except ValidationError as error:
        raise refused(422, "Invalid Upload", describe_validation_error(error)) from None
    store = store_of(request)
    if not isinstance(store, S3ObjectStore):
        raise Problem(501, "Not Implemented", "uploads need the S3 object store (VIDEO_ASSETS_STORAGE=s3)")
    settings = settings_of(request)
    with session_scope(settings.database_url.get_secret_value()) as session:
        form = open_upload(
            session,
            store.client,
            store.bucket,
            principal.tenant,
            spec.filename,
            spec.content_type,
            settings.max_material_bytes,
            FORM_SECONDS,
        )
    request.state.target = form.id
    return UploadAnswer(**vars(form))
