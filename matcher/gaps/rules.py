"""The rules that turn a skill's coverage and demand into a decision, a trend and a warning.

Every number here is a setting (``GAP_*`` in ``matcher/settings.py``, documented in README):

- covered: ``coverage >= GAP_COVER_THRESHOLD``, where coverage is the skill's best match
  among the phrases the courses in scope teach, cosine blended with word overlap by
  ``GAP_LEXICAL_WEIGHT`` (both tuned on the ESCO evaluation in ``bench/gaps.py``, never on the
  demo).
- red: not covered, unmet for ``GAP_RED_LAG_DAYS`` days or more, and asked by at least
  ``GAP_RED_MIN_ENTERPRISES`` enterprises — a gap that has become structural.
- yellow: not covered otherwise — new, or asked by a single enterprise: watch it.
- green: covered.
- trend: postings in the last ``GAP_TREND_DAYS`` days against the same span before it;
  ``new`` when first asked within the last window, ``rising`` / ``falling`` beyond a 25 %
  change.
- days (as-of, first seen, lag, trend windows) are days in the consortium's ``TIMEZONE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from matcher import clock
from matcher.errors import ConfigError
from matcher.settings import Settings

RED, YELLOW, GREEN = "red", "yellow", "green"
SEVERITY_ORDER = {RED: 0, YELLOW: 1, GREEN: 2}
_TREND_CHANGE = 0.25


@dataclass(frozen=True)
class GapRules:
    cover_threshold: float = 0.67
    role_cover_threshold: float = 0.36
    group_threshold: float = 0.8
    lexical_weight: float = 0.3
    occupation_weight: float = 0.5
    red_lag_days: int = 180
    red_min_enterprises: int = 2
    trend_days: int = 90
    nearest_courses: int = 3
    timezone: ZoneInfo = field(default_factory=clock.zone)

    @classmethod
    def from_settings(cls, settings: Settings) -> GapRules:
        rules = cls(
            cover_threshold=settings.gap_cover_threshold,
            role_cover_threshold=settings.gap_role_cover_threshold,
            group_threshold=settings.gap_group_threshold,
            lexical_weight=settings.gap_lexical_weight,
            occupation_weight=settings.gap_occupation_weight,
            red_lag_days=settings.gap_red_lag_days,
            red_min_enterprises=settings.gap_red_min_enterprises,
            trend_days=settings.gap_trend_days,
            nearest_courses=settings.gap_nearest_courses,
            timezone=clock.zone_named(settings.timezone),
        )
        for name in ("cover_threshold", "role_cover_threshold", "group_threshold"):
            if not 0.0 < getattr(rules, name) <= 1.0:
                raise ConfigError(f"setting GAP_{name.upper()} must lie in (0, 1]")
        if not 0.0 <= rules.lexical_weight <= 1.0:
            raise ConfigError("setting GAP_LEXICAL_WEIGHT must lie in [0, 1]")
        if rules.trend_days < 1 or rules.red_lag_days < 0 or rules.nearest_courses < 0:
            raise ConfigError("settings GAP_TREND_DAYS, GAP_RED_LAG_DAYS, GAP_NEAREST_COURSES")
        return rules

    def is_covered(self, coverage: float, role: bool = False) -> bool:
        """``role``: the coverage of a role named by a title-only posting, which blends in
        occupation agreement and so has its own threshold."""
        return coverage >= (self.role_cover_threshold if role else self.cover_threshold)

    def severity(self, covered: bool, lag_days: int, enterprises: int) -> str:
        if covered:
            return GREEN
        if lag_days >= self.red_lag_days and enterprises >= self.red_min_enterprises:
            return RED
        return YELLOW

    @staticmethod
    def trend(last: int, previous: int, first_seen_recently: bool = False) -> str:
        """``new`` | ``rising`` | ``steady`` | ``falling`` from two window counts.

        ``new`` means first asked within the last window; a skill asked long ago that comes
        back after a quiet window is ``rising``.
        """
        if first_seen_recently:
            return "new"
        if previous == 0:
            return "rising" if last > 0 else "steady"
        change = (last - previous) / previous
        if change > _TREND_CHANGE:
            return "rising"
        if change < -_TREND_CHANGE:
            return "falling"
        return "steady"

    def as_dict(self) -> dict[str, Any]:
        return {
            "cover_threshold": self.cover_threshold,
            "role_cover_threshold": self.role_cover_threshold,
            "group_threshold": self.group_threshold,
            "lexical_weight": self.lexical_weight,
            "occupation_weight": self.occupation_weight,
            "red_lag_days": self.red_lag_days,
            "red_min_enterprises": self.red_min_enterprises,
            "trend_days": self.trend_days,
        }
