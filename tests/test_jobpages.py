"""Job pages and feeds: the corpus in tests/data/jobpages, HTML to text, and bodies refused whole.

Each ``NAME.expected.json`` in the corpus names the feed format and the postings (every field,
in order) and record errors that the file beside it must give, or the ``ParseError`` it must
raise; see tests/data/jobpages/README.md. Adding a pair of files adds a case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from api.wiring import Services
from jobs.feeds import FeedRegistry, parse_feed_input
from jobs.parse import ParseError, html_to_text, parse_feed
from jobs.refresh import Refresher
from matcher.language.vectors import VectorCache
from store import Demand
from tests.conftest import PostgresDatabases, make_services
from tests.feed_server import FeedServer

CORPUS = Path(__file__).parent / "data" / "jobpages"
EXPECTED_SUFFIX = ".expected.json"
BODY_SUFFIXES = (".html", ".json", ".csv")


def _cases() -> list[tuple[Path, Path]]:
    cases = []
    for expected in sorted(CORPUS.glob(f"*{EXPECTED_SUFFIX}")):
        name = expected.name.removesuffix(EXPECTED_SUFFIX)
        bodies = [CORPUS / (name + suffix) for suffix in BODY_SUFFIXES]
        found = [body for body in bodies if body.exists()]
        assert len(found) == 1, f"{expected.name}: expected one of {[b.name for b in bodies]}"
        cases.append((found[0], expected))
    return cases


CASES = _cases()


def test_every_corpus_file_has_an_expectation() -> None:
    bodies = {p for p in CORPUS.iterdir() if p.suffix in BODY_SUFFIXES}
    bodies -= {expected for _, expected in CASES}
    assert bodies == {body for body, _ in CASES}


@pytest.mark.parametrize(("body", "expected"), CASES, ids=[body.name for body, _ in CASES])
def test_corpus_file_gives_its_expected_postings(body: Path, expected: Path) -> None:
    want: dict[str, Any] = json.loads(expected.read_text(encoding="utf-8"))
    content_type = want.get("content_type")  # the HTTP header the body is served with
    if "parse_error" in want:
        with pytest.raises(ParseError, match=re.escape(want["parse_error"])):
            parse_feed(want["format"], body.read_bytes(), content_type)
        return
    result = parse_feed(want["format"], body.read_bytes(), content_type)
    assert [asdict(posting) for _, posting in result.postings] == want["postings"]
    assert len(result.errors) == len(want["errors"]), result.errors
    for error, part in zip(result.errors, want["errors"], strict=True):
        assert part in error


def test_records_are_numbered_by_their_place_among_the_postings() -> None:
    body = (CORPUS / "bad_records.html").read_bytes()
    assert [number for number, _ in parse_feed("jsonld", body).postings] == [2]


def test_description_html_loses_styles_scripts_and_comments() -> None:
    text = html_to_text(
        "<style>p { color: red }</style><script>track()</script>"
        "<p>Weld <!-- pay band 7 -->frames.</p><noscript>enable JS</noscript>"
    )
    assert text == "Weld frames."


def test_description_html_gives_one_line_per_block_and_list_item() -> None:
    text = html_to_text(
        "<h2>Tasks</h2><p>Build\n   panels</p><ul><li>wire</li><li>test<br>report</li></ul>"
        "<ol><li>first</li></ol><div>end</div>"
    )
    assert text.splitlines() == ["Tasks", "Build panels", "wire", "test", "report", "first", "end"]


def test_description_entities_are_resolved() -> None:
    assert html_to_text("<p>R&amp;D &ndash; 5&nbsp;years &lt;senior&gt;</p>") == (
        "R&D – 5 years <senior>"
    )


def test_entity_escaped_html_is_read_as_html() -> None:
    once = "&lt;p&gt;Build &amp;amp; test&lt;/p&gt;&lt;ul&gt;&lt;li&gt;PLC&lt;/li&gt;&lt;/ul&gt;"
    assert html_to_text(once) == "Build & test\nPLC"
    assert html_to_text("&amp;lt;p&amp;gt;twice&amp;lt;/p&amp;gt;") == "twice"


def test_plain_text_keeps_its_lines_and_comparisons() -> None:
    assert html_to_text("a < b and c > d\n\n  second  line ") == "a < b and c > d\nsecond line"


def test_characters_a_database_cannot_store_are_dropped() -> None:
    assert html_to_text("nul\x00 bell\x07 surrogate\ud800 tab\tend") == "nul bell surrogate tab end"


def test_a_json_ld_document_that_is_not_json_is_refused() -> None:
    with pytest.raises(ParseError, match="not valid JSON-LD"):
        parse_feed("jsonld", b'{"@type": "JobPosting",')


def test_a_body_that_is_not_utf8_is_refused_for_json_and_csv() -> None:
    for feed_format in ("json", "csv"):
        with pytest.raises(ParseError, match="not UTF-8"):
            parse_feed(feed_format, "title\n焊工".encode("gbk"))


def test_a_json_list_nested_too_deeply_is_refused() -> None:
    with pytest.raises(ParseError, match="nested too deeply"):
        parse_feed("json", b"[" * 100_000 + b"]" * 100_000)


def test_unknown_csv_columns_are_named_on_one_line() -> None:
    with pytest.raises(ParseError) as refused:
        parse_feed("csv", b'title,"pay\nband",salary\nFitter,7,high\n')
    assert str(refused.value) == "unknown CSV columns: 'pay\\nband', 'salary'"


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ParseError, match="unknown feed format 'xml'"):
        parse_feed("xml", b"<jobs/>")


def test_references_that_name_each_other_end() -> None:
    graph = {
        "@graph": [
            {"@id": "#a", "@type": "Organization", "name": "A", "member": {"@id": "#b"}},
            {"@id": "#b", "@type": "Organization", "name": "B", "member": {"@id": "#a"}},
            {"@type": "JobPosting", "title": "Fitter", "hiringOrganization": {"@id": "#a"}},
        ]
    }
    [(_, posting)] = parse_feed("jsonld", json.dumps(graph).encode()).postings
    assert posting.enterprise == "A"


def test_a_reference_to_nothing_on_the_page_is_not_taken_for_a_name() -> None:
    posting = {"@type": "JobPosting", "title": "Fitter", "hiringOrganization": {"@id": "#org"}}
    [(_, parsed)] = parse_feed("jsonld", json.dumps(posting).encode()).postings
    assert parsed.enterprise is None


def test_microdata_that_extruct_cannot_read_is_reported_not_raised() -> None:
    page = b'<div itemscope itemtype="http://[/JobPosting"><b itemprop="title">Fitter</b></div>'
    with pytest.raises(ParseError, match=re.escape("microdata cannot be read (Invalid IPv6 URL)")):
        parse_feed("jsonld", page)


def test_a_json_ld_script_nested_too_deeply_is_left_out_and_the_others_count() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    good = b'{"@type": "JobPosting", "title": "Fitter"}'
    page = b"".join(
        b'<script type="application/ld+json">' + block + b"</script>" for block in (deep, good)
    )
    result = parse_feed("jsonld", page)
    assert [posting.title for _, posting in result.postings] == ["Fitter"]
    assert result.errors == ["JSON-LD script 1 is nested too deeply to read, left out"]


@pytest.fixture
def refreshing(
    store: str, tmp_path: Path, postgres: PostgresDatabases | None, shared_vectors: VectorCache
) -> Iterator[Services]:
    """A store whose refresh may fetch from the test's HTTP server on 127.0.0.1."""
    services = make_services(
        store, tmp_path, postgres, shared_vectors, FEED_ALLOW_PRIVATE="127.0.0.1"
    )
    yield services
    services.close()


def test_a_page_whose_charset_only_the_http_header_names_is_stored_readable(
    refreshing: Services, server: FeedServer
) -> None:
    page = (CORPUS / "gbk_charset_in_header.html").read_bytes()
    assert b"charset" not in page
    url = server.serve("/careers.html", page, content_type="text/html; charset=gbk")
    FeedRegistry(refreshing.db).add(parse_feed_input({"url": url, "format": "jsonld"}))

    run = Refresher(refreshing).run()

    assert run["status"] == "succeeded", run["errors"]
    with refreshing.db.session() as session:
        [demand] = session.scalars(select(Demand))
        stored = (demand.title, demand.skills, demand.enterprise.name)
    assert stored == ("数控车床操作工", ["数控编程", "零件测量"], "玉林机械厂")
