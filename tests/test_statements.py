"""SQL statements per request do not grow with its size: no N+1 in lists, matches and the
loading of indexed texts, on both stores (the demo consortium)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from api.wiring import Services
from matcher.search.candidates import CANDIDATE_CHUNK, LOADERS, Filters
from matcher.search.indexing import texts_by_id
from store import Course, Demand, Program, Student


@contextmanager
def counting(services: Services) -> Iterator[list[str]]:
    """The statements run on the services' engine meanwhile."""
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)


def statements_of(services: Services, call: Callable[[], Any]) -> int:
    with counting(services) as statements:
        call()
    return len(statements)


@pytest.mark.parametrize("kind", ["demands", "courses", "programs", "students"])
def test_a_page_of_records_costs_the_same_few_statements_at_any_size(
    demo: Services, kind: str
) -> None:
    small = statements_of(demo, lambda: demo.catalog.list_page(kind, per_page=5))
    large = statements_of(demo, lambda: demo.catalog.list_page(kind, per_page=100))
    page = demo.catalog.list_page(kind, per_page=100)
    assert len(page.items) >= 20
    assert small == large <= 4, (kind, small, large)


def test_one_record_costs_a_fixed_number_of_statements(demo: Services) -> None:
    with demo.db.session() as session:
        program_id = session.scalars(select(Program.id).order_by(Program.id)).first()
    assert statements_of(demo, lambda: demo.catalog.get("programs", program_id)) <= 3


@pytest.mark.parametrize("target", ["courses", "programs", "students"])
def test_a_match_costs_the_same_statements_for_5_or_50_results(demo: Services, target: str) -> None:
    with demo.db.session() as session:
        demand_id = session.scalars(select(Demand.id).order_by(Demand.id)).first()
    demo.matcher.match_demand(demand_id, target, k=5)  # vectors of the phrases cached
    few = statements_of(demo, lambda: demo.matcher.match_demand(demand_id, target, k=5))
    many = statements_of(demo, lambda: demo.matcher.match_demand(demand_id, target, k=50))
    assert many <= few + 2, (target, few, many)  # a second pool round at most, never per row
    assert many <= 20


@pytest.mark.parametrize("collection", ["demands", "courses", "programs", "students"])
def test_indexed_texts_load_in_a_fixed_number_of_statements(
    demo: Services, collection: str
) -> None:
    model = {"demands": Demand, "courses": Course, "programs": Program, "students": Student}
    with demo.db.session() as session:
        ids = sorted(session.scalars(select(model[collection].id)).all())

        def load(n: int) -> Callable[[], Any]:
            return lambda: texts_by_id(session, collection, ids[:n])

        few, many = statements_of(demo, load(3)), statements_of(demo, load(len(ids)))
    assert len(ids) >= 20 and many == few <= 4, (collection, few, many)


def test_candidates_load_in_chunks_past_the_postgresql_parameter_limit(
    demo: Services,
) -> None:
    """A filtered match may ask for every id of a large collection at once."""
    with demo.db.session() as session:
        real = sorted(session.scalars(select(Demand.id)).all())
        expected = sorted(c.id for c in LOADERS["demands"](session, real, Filters()))
        ids = [*real, *range(10**7, 10**7 + 70_000)]  # past 65,535 parameters
        with counting(demo) as statements:
            found = LOADERS["demands"](session, ids, Filters())
    assert sorted(c.id for c in found) == expected and len(expected) >= 20
    assert len(statements) == -(-len(ids) // CANDIDATE_CHUNK)
