"""The quality harness's dev/test split of taxonomy entries, shared with ``talentmatch tune``.

Weights and thresholds are chosen on ``dev``; ``test`` is only reported. Tuning never trains on
``test`` entries, so the harness can compare a tuned model with its base honestly.
"""

from __future__ import annotations

import hashlib
from typing import Literal

Split = Literal["dev", "test"]


def evaluation_split(uri: str) -> Split:
    """``dev`` or ``test`` for a taxonomy entry, by a stable hash of its URI (half each)."""
    return "test" if hashlib.sha1(uri.encode()).digest()[0] % 2 else "dev"
