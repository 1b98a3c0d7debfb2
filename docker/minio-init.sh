#!/bin/sh
# One-shot compose job (`minio-init`, image minio/mc): runs on every `docker compose up` and is idempotent.
#   1. creates the object-store bucket and the compute-log bucket if they are missing;
#   2. creates (or updates the secret of) the pipeline's own MinIO user, AWS_ACCESS_KEY_ID, limited by the
#      `video-assets` policy to those two buckets. MinIO's root credentials stay in the minio and minio-init
#      containers; every other service uses the limited user.
# Credentials reach mc as arguments inside this container only; nothing is printed.
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
: "${VIDEO_ASSETS_S3_BUCKET:?}" "${DAGSTER_COMPUTE_LOGS_BUCKET:?}"
if [ "$AWS_ACCESS_KEY_ID" = "$MINIO_ROOT_USER" ]; then
    echo "minio-init: AWS_ACCESS_KEY_ID must differ from MINIO_ROOT_USER (the pipeline gets its own user)" >&2
    exit 1
fi

export MC_CONFIG_DIR=/tmp/.mc
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing "local/$VIDEO_ASSETS_S3_BUCKET" "local/$DAGSTER_COMPUTE_LOGS_BUCKET"

# Written with printf, a shell builtin: the mc image is minimal. Bucket names are [a-z0-9.-], safe in JSON.
policy=/tmp/video-assets-policy.json
printf '{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
   "Resource": ["arn:aws:s3:::%s", "arn:aws:s3:::%s"]},
  {"Effect": "Allow",
   "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
   "Resource": ["arn:aws:s3:::%s/*", "arn:aws:s3:::%s/*"]}
]}\n' "$VIDEO_ASSETS_S3_BUCKET" "$DAGSTER_COMPUTE_LOGS_BUCKET" "$VIDEO_ASSETS_S3_BUCKET" "$DAGSTER_COMPUTE_LOGS_BUCKET" >"$policy"
mc admin policy create local video-assets "$policy" >/dev/null
mc admin user add local "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null
# `attach` exits non-zero when the policy is already attached (every run after the first).
mc admin policy attach local video-assets --user "$AWS_ACCESS_KEY_ID" >/dev/null 2>&1 || true
echo "minio-init: buckets $VIDEO_ASSETS_S3_BUCKET and $DAGSTER_COMPUTE_LOGS_BUCKET ready; pipeline user has policy video-assets"
