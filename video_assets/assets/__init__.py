import warnings

# Partitioned asset checks are a Dagster preview feature; we rely on it deliberately (one check result per request).
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec")
