"""Curriculum gaps: demanded skills against what courses teach, their warning level and history.

Coverage of each demanded skill by the courses in scope, the demand behind it, lag and trend
(``analysis``), the rules that make a gap red, yellow or green (``rules``), and snapshots with
what changed between them (``history``). It uses the language layer and the catalog's records.
"""

from matcher.gaps.analysis import GapAnalyzer
from matcher.gaps.history import GapHistory
from matcher.gaps.rules import GapRules

__all__ = ["GapAnalyzer", "GapHistory", "GapRules"]
