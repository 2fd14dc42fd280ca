"""Settings reach the code as one frozen, typed object built from the settings table."""

from __future__ import annotations

import dataclasses

import pytest

from matcher.errors import ConfigError
from matcher.settings import SETTINGS, Settings, load_settings


def test_every_row_of_the_table_is_a_typed_attribute() -> None:
    fields = {f.name: f.type for f in dataclasses.fields(Settings)}
    assert list(fields) == [s.name.lower() for s in SETTINGS]
    for setting in SETTINGS:
        assert fields[setting.name.lower()] == type(setting.default).__name__, setting.name


def test_values_are_converted_to_their_types(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALENTMATCH_MAX_K", "50")
    settings = load_settings({"SKILL_WEIGHT": "0.5", "TALENTMATCH_PAGE_SIZE": 7})
    assert (settings.max_k, settings.skill_weight, settings.page_size) == (50, 0.5, 7)


def test_settings_cannot_be_changed_in_place_only_replaced_and_checked() -> None:
    settings = load_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_k = 5  # type: ignore[misc]
    assert settings.replace(max_k=5).max_k == 5 and settings.max_k != 5
    with pytest.raises(ConfigError, match="SKILL_WEIGHT"):
        settings.replace(skill_weight=2.0)
