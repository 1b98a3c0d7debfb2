from resources.database import DatabaseResource
from resources.object_store import ObjectStoreResource

__all__ = ["DatabaseResource", "ObjectStoreResource"]
