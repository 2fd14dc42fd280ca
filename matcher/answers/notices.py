"""What each kind of notification says, in Chinese and English.

A notification stores its kind and parameters, not a finished sentence, so the inbox shows it
in the reader's language and the e-mail carries both (Chinese first).
"""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    "answer_received": {
        "zh": "{school} 答复了您的需求“{demand}”",
        "en": "{school} answered your demand “{demand}”",
    },
    "answer_accepted": {
        "zh": "{enterprise} 接受了您对“{demand}”的答复",
        "en": "{enterprise} accepted your answer to “{demand}”",
    },
    "answer_declined": {
        "zh": "{enterprise} 未接受您对“{demand}”的答复",
        "en": "{enterprise} declined your answer to “{demand}”",
    },
    "answer_withdrawn": {
        "zh": "{school} 撤回了对“{demand}”的答复",
        "en": "{school} withdrew its answer to “{demand}”",
    },
    "answer_delivered": {
        "zh": "{school} 已交付对“{demand}”的答复",
        "en": "{school} delivered its answer to “{demand}”",
    },
    "demand_matched": {
        "zh": "新需求“{demand}”（{enterprise}）与贵校课程匹配良好",
        "en": "New demand “{demand}” ({enterprise}) matches your courses well",
    },
    "demands_matched": {
        "zh": "{count} 条新需求与贵校课程匹配良好",
        "en": "{count} new demands match your courses well",
    },
    "gap_digest": {
        "zh": "课程缺口预警：{count} 项技能新出现或转为红色",
        "en": "Curriculum gap warning: {count} skills new or turned red",
    },
}


SEVERITY = {"zh": {"red": "红色", "yellow": "黄色", "green": "绿色"}}


def details(kind: str, params: dict[str, Any], language: str) -> list[str]:
    """The lines under a subject: a digest's skills, a match's courses (names as written)."""
    if kind != "gap_digest":
        return [str(line) for line in params.get("lines", [])]
    lines = [_digest_line(skill, language) for skill in params.get("skills", [])]
    if params.get("unlisted"):
        n = params["unlisted"]
        lines.append(
            f"另有 {n} 项，见缺口报告" if language == "zh" else f"... and {n} more on the gap page"
        )
    return lines


def _digest_line(skill: dict[str, Any], language: str) -> str:
    """'5G ... — red (was yellow), 3 postings (A, B, ...), 547 days unmet', or in Chinese."""
    names = list(skill["enterprises"]) + (["..."] if skill["more_enterprises"] else [])
    severity, postings, days = skill["severity"], skill["postings"], skill["lag_days"]
    if language == "zh":
        level = SEVERITY["zh"].get(severity, severity) + (
            "（原为黄色）" if skill["turned_red"] else ""
        )
        who = "、".join(names)
        return f"{skill['skill']} — {level}，{postings} 条招聘（{who}），已 {days} 天未满足"
    level = severity + (" (was yellow)" if skill["turned_red"] else "")
    plural = "s" if postings != 1 else ""
    who = ", ".join(names)
    return f"{skill['skill']} — {level}, {postings} posting{plural} ({who}), {days} days unmet"


def subject(kind: str, params: dict[str, Any], language: str) -> str:
    """The one-line subject of a notification in ``language`` ("zh" or "en")."""
    texts = TEXTS[kind]
    template = texts.get(language, texts["en"])
    # one line: names and titles may hold line breaks, which no mail header may carry
    return " ".join(template.format_map(_Lenient(params)).split())


class _Lenient(dict[str, Any]):
    """Missing parameters show as empty rather than failing an old notification's display."""

    def __missing__(self, key: str) -> str:
        return ""
