"""Property tests: whatever a feed sends, the parser gives postings or a clear ParseError.

Bodies are generated in all three formats — arbitrary bytes and text, arbitrary JSON values,
JobPosting nodes with arbitrary field values in every container JSON-LD allows, arbitrary CSV
— and skill lists as arbitrary text. Bounded (200 examples each) to keep the file fast.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jobs.parse import CSV_COLUMNS, ParseError, ParseResult, Posting, parse_feed
from matcher.language.texts import normalise, split_skill_list

BOUNDED = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = {"job", "internship", "apprenticeship", "training"}
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["<p>a &amp; b</p>", "&lt;li&gt;x&lt;/li&gt;", "3", "INTERN"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["@value", "value", "name", "@id", "@type", "address"]) | st.text(),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)
posting_types = st.sampled_from(
    [
        "JobPosting",
        "schema:JobPosting",
        "http://schema.org/JobPosting",
        "https://schema.org/JobPosting",
        ["JobPosting", "Thing"],
    ]
)
posting_fields = [
    "title",
    "name",
    "description",
    "skills",
    "employmentType",
    "totalJobOpenings",
    "jobLocation",
    "datePosted",
    "validThrough",
    "url",
    "hiringOrganization",
]
# Pieces that make arbitrary text look like a job page, and like a skill list.
PAGE_PIECES = ["<script type=application/ld+json>", "</script>", "<div itemscope", "itemtype="]
PAGE_PIECES += ['"https://schema.org/JobPosting">', '"http://[">', '<b itemprop="title">']
PAGE_PIECES += ["{", "}", "[", "]", '"@type":', '"JobPosting"', ",", "<!--", "&amp;", "\x00"]
SKILL_PIECES = ["PLC", "CAD", "R", "welding", "焊接", "和", "、", "/", " and ", "&", ",", ";"]
SKILL_PIECES += ["(", ")", " ", "\n"]
# Text a UTF-8 body can carry (bodies that are not UTF-8 are drawn as arbitrary bytes above).
CSV_CHARACTERS = st.characters(codec="utf-8") | st.sampled_from('a\n\r,"')
script_types = st.sampled_from(
    [
        "type=application/ld+json",
        'type="application/ld+json"',
        "type='application/ld+json; charset=utf-8'",
        'type="Application/LD+JSON"',
    ]
)


@st.composite
def job_postings(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Distinct JobPosting nodes (identifier ID-n) with arbitrary values in every field."""
    count = draw(st.integers(min_value=1, max_value=4))
    nodes = []
    for n in range(count):
        node = draw(st.fixed_dictionaries({}, optional=dict.fromkeys(posting_fields, json_values)))
        nodes.append({"@type": draw(posting_types), "identifier": f"ID-{n}", **node})
    return nodes


def _wrapped(nodes: list[dict[str, Any]], container: str) -> Any:
    if container == "graph":
        return {"@context": "https://schema.org", "@graph": nodes}
    if container == "item_list":
        items = [{"@type": "ListItem", "item": node} for node in nodes]
        return {"@type": "ItemList", "itemListElement": items}
    if container == "main_entity":
        return [{"@type": "WebPage", "mainEntity": node} for node in nodes]
    return nodes


def _check(result: ParseResult) -> None:
    """Every posting is well typed and holds only text a database can store."""
    for number, posting in result.postings:
        assert isinstance(number, int) and isinstance(posting, Posting)
        assert posting.kind in KINDS
        assert posting.openings is None or isinstance(posting.openings, int)
        assert all(isinstance(skill, str) and skill.strip() for skill in posting.skills)
        texts = [posting.description, *posting.skills]
        for value in (posting.title, posting.external_id, posting.city, posting.posted):
            assert value is None or isinstance(value, str)
            texts.append(value or "")
        texts += [posting.expires or "", posting.url or "", posting.enterprise or ""]
        assert not any(UNSTORABLE.search(text) for text in texts)
    assert all(isinstance(error, str) and error for error in result.errors)


def _parse(feed_format: str, body: bytes) -> ParseResult | None:
    try:
        result = parse_feed(feed_format, body)
    except ParseError as exc:
        assert str(exc) and "\n" not in str(exc)  # one clear line
        return None
    _check(result)
    return result


@BOUNDED
@given(feed_format=st.sampled_from(["jsonld", "json", "csv"]), body=st.binary(max_size=600))
def test_arbitrary_bytes_give_postings_or_a_parse_error(feed_format: str, body: bytes) -> None:
    _parse(feed_format, body)


@BOUNDED
@given(
    feed_format=st.sampled_from(["jsonld", "json", "csv"]),
    text=st.text(max_size=600)
    | st.lists(
        st.text(max_size=30) | st.sampled_from(PAGE_PIECES),
        max_size=20,
    ).map("".join),
)
def test_arbitrary_text_gives_postings_or_a_parse_error(feed_format: str, text: str) -> None:
    _parse(feed_format, text.encode("utf-8", "surrogatepass"))


@BOUNDED
@given(feed_format=st.sampled_from(["jsonld", "json"]), value=json_values)
def test_arbitrary_json_gives_postings_or_a_parse_error(feed_format: str, value: Any) -> None:
    _parse(feed_format, json.dumps(value).encode())


@BOUNDED
@given(
    nodes=job_postings(),
    container=st.sampled_from(["list", "graph", "item_list", "main_entity"]),
    as_page=st.booleans(),
    script_type=script_types,
)
def test_each_job_posting_gives_a_posting_or_a_record_error(
    nodes: list[dict[str, Any]], container: str, as_page: bool, script_type: str
) -> None:
    document = json.dumps(_wrapped(nodes, container))
    if as_page:  # "</" would end the script element early; JSON may escape the slash
        document = document.replace("</", "<\\/")
        body = f"<html><head><script {script_type}>{document}</script></head></html>"
    else:
        body = document
    result = _parse("jsonld", body.encode())
    assert result is not None
    assert len(result.postings) + len(result.errors) == len(nodes)
    for number, posting in result.postings:
        assert posting.external_id == f"ID-{number - 1}"


@BOUNDED
@given(
    feed_format=st.sampled_from(["json", "jsonld"]),
    nodes=job_postings(),
)
def test_a_json_list_of_job_postings_gives_each_one(
    feed_format: str, nodes: list[dict[str, Any]]
) -> None:
    result = _parse(feed_format, json.dumps(nodes).encode())
    assert result is not None
    assert len(result.postings) + len(result.errors) == len(nodes)


@BOUNDED
@given(
    known=st.lists(st.sampled_from(CSV_COLUMNS)),
    others=st.lists(st.text(CSV_CHARACTERS, max_size=8), max_size=2),  # mostly unknown ones
    data=st.data(),
)
def test_csv_rows_give_a_posting_or_a_record_error_each_and_unknown_columns_are_named(
    known: list[str], others: list[str], data: st.DataObject
) -> None:
    columns = data.draw(st.permutations(list(dict.fromkeys(["title", *known, *others]))))
    cell = st.text(CSV_CHARACTERS, max_size=30) | st.sampled_from(["3", "many", "R&D", "<b>x</b>"])
    rows = data.draw(st.lists(st.lists(cell, min_size=len(columns), max_size=len(columns))))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    body = buffer.getvalue().encode()
    # column names are read without the spaces around them
    unknown = [name.strip() for name in columns if name.strip() not in CSV_COLUMNS]
    if unknown:  # the whole CSV is refused, and the message names each unknown column
        with pytest.raises(ParseError) as refused:
            parse_feed("csv", body)
        message = str(refused.value)
        assert message.startswith("unknown CSV columns: ") and "\n" not in message
        assert all(repr(name)[:40] in message for name in unknown)  # long ones are cut short
    else:
        result = _parse("csv", body)
        assert result is not None
        assert len(result.postings) + len(result.errors) == len(rows)


@BOUNDED
@given(st.text(max_size=2000) | st.lists(st.sampled_from(SKILL_PIECES), max_size=500).map("".join))
def test_skill_lists_split_into_distinct_phrases_of_the_text(text: str) -> None:
    phrases = split_skill_list(text)
    assert all(phrase and phrase == phrase.strip() and phrase in text for phrase in phrases)
    keys = [normalise(phrase) for phrase in phrases]
    assert len(keys) == len(set(keys))
    for phrase in phrases:  # a phrase is not split again
        assert split_skill_list(phrase) == [phrase]
