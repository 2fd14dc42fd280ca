"""Text encoder (sentence-transformers) and vector index (faiss-cpu)."""

from .encoder import DEFAULT_MODEL_NAME, Encoder, ModelLoadError
from .index import IndexStore, Snapshot, VectorIndex

__all__ = [
    "DEFAULT_MODEL_NAME",
    "Encoder",
    "IndexStore",
    "ModelLoadError",
    "Snapshot",
    "VectorIndex",
]
