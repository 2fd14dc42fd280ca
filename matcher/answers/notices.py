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
    "gap_digest": {
        "zh": "课程缺口预警：{count} 项技能新出现或转为红色",
        "en": "Curriculum gap warning: {count} skills new or turned red",
    },
}


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
