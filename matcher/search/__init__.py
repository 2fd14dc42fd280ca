"""Search: the vector index kept in step with the store, the lexical channel, and ranking.

Candidates come from the vector index (faiss or pgvector) and from BM25; each is scored
whole-text, by terms and skill by skill, and explained (covered and missing skills). It uses
the language layer and reads the store; it knows nothing of the catalog's writes or of gaps.
"""

from matcher.search.candidates import Filters
from matcher.search.indexing import COLLECTIONS, IndexService
from matcher.search.lexical import LexicalChannel
from matcher.search.ranking import TEXT_TARGETS, FusionWeights, Matcher

__all__ = [
    "COLLECTIONS",
    "TEXT_TARGETS",
    "Filters",
    "FusionWeights",
    "IndexService",
    "LexicalChannel",
    "Matcher",
]
