"""Alembic migrations of the talentmatch store (``talentmatch init`` applies them)."""
