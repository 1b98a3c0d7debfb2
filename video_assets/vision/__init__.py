"""Computer-vision features of a material (OpenCV): scene cuts, sharpness, exposure, motion, colours, best frame."""

from video_assets.vision.features import CvFeatures, VisionError, cv_features

__all__ = ["CvFeatures", "VisionError", "cv_features"]
