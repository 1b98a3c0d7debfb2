"""Ingestion domain for the media_items stage: gather, fetch safely, sniff, probe, normalise, extract keyframes."""

from video_assets.media.article import Article, parse_article
from video_assets.media.errors import MaterialRejected
from video_assets.media.fetch import FetchedFile, S3Reader, fetch_material, fetch_refusal, unreadable_local_file
from video_assets.media.fetch_policy import FetchPolicy
from video_assets.media.gather import GatheredMaterials, MaterialSource, RejectedSource, gather_materials
from video_assets.media.ingest import IngestedMaterial, IngestOutcome, IngestPolicy, ingest_all, ingest_material
from video_assets.media.probe import MediaProbe, probe_media
from video_assets.media.s3_sources import S3Sources
from video_assets.media.sniff import AUDIO_TYPES

__all__ = [
    "AUDIO_TYPES",
    "Article",
    "FetchPolicy",
    "FetchedFile",
    "GatheredMaterials",
    "IngestOutcome",
    "IngestPolicy",
    "IngestedMaterial",
    "MaterialRejected",
    "MaterialSource",
    "MediaProbe",
    "RejectedSource",
    "S3Reader",
    "S3Sources",
    "fetch_material",
    "fetch_refusal",
    "gather_materials",
    "ingest_all",
    "ingest_material",
    "parse_article",
    "probe_media",
    "unreadable_local_file",
]
