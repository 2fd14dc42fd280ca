"""README documents every setting, and the commands a newcomer needs."""

from __future__ import annotations

from pathlib import Path

from matcher.settings import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_documented() -> None:
    missing = [s.name for s in SETTINGS if f"TALENTMATCH_{s.name}" not in README]
    assert not missing, f"README does not document: {missing}"


def test_readme_shows_the_two_commands() -> None:
    assert "make run" in README and "make test" in README
