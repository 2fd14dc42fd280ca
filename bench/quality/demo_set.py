"""The demo consortium with a few labelled questions (``demo_labels.json``, answers by title).

Reported so that the demo's behaviour is visible, never used to set weights: the demo was
written by this project, so tuning on it would measure nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from matcher.catalog import parse_input
from seed.loader import demo_records

from .evalset import DIRECTIONS, EvalSet, Query

LABELS = Path(__file__).resolve().parent / "demo_labels.json"
CATALOG_KINDS = ("organizations", "courses", "programs", "demands", "students")


def build() -> EvalSet:
    data = EvalSet("demo", note="the demo consortium (seed/data), labels by hand")
    titles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for kind, records in demo_records().items():
        if kind not in CATALOG_KINDS:  # answers are replayed by the seed, not matched on
            continue
        for n, record in enumerate(records):
            model = parse_input(kind, record, f"{kind}.jsonl line {n + 1}")
            key = f"{kind}-{n}"
            title = record.get("title") or record.get("name") or ""
            titles[kind][title].append(key)
            if kind == "organizations":
                data.organizations.append(model)  # type: ignore[arg-type]
            else:
                getattr(data, kind).append((key, model))
    for label in json.loads(LABELS.read_text(encoding="utf-8")):
        source_kind, target = DIRECTIONS[label["direction"]]
        if source_kind == "text":
            source = label["query"]
        else:
            source = titles[f"{source_kind}s"][label["query"]][0]
        relevant = frozenset(k for t in label["relevant"] for k in titles[target][t])
        language = label.get("language", "en")
        data.queries.append(Query(label["direction"], source, relevant, language))
    return data
