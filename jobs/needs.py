"""What the jobs of this package need from the process that runs them.

The worker and the CLI wire the store, encoder, index and domain services together
(``api.wiring.Services``); a refresh only relies on the parts named here, so ``jobs`` never
imports the layer above it.
"""

from __future__ import annotations

from typing import Protocol

from matcher.answers import Inbox, Mailer
from matcher.catalog import Catalog
from matcher.gaps import GapHistory
from matcher.language import VectorCache
from matcher.search import IndexService
from matcher.settings import Settings
from store import Database

from .matched import MatchNotifier


class RefreshServices(Protocol):
    """The parts of a process a refresh uses: settings, store, catalog, index, gap history,
    and the inbox and mailer of the digests and the mail retries."""

    settings: Settings
    db: Database
    catalog: Catalog
    index: IndexService
    vectors: VectorCache
    gap_history: GapHistory
    inbox: Inbox
    mailer: Mailer
    match_notifier: MatchNotifier
