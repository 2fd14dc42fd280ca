"""Rankings on the demo consortium, on both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from api.wiring import Services
from matcher.language.skill_similarity import PhraseTable
from matcher.language.texts import course_phrases
from matcher.search import Filters
from store import Course, Demand, Program, Student


def _demand_id(svc: Services, **where: str) -> int:
    with svc.db.session() as session:
        query = select(Demand.id)
        for key, value in where.items():
            query = query.where(getattr(Demand, key) == value)
        return session.scalars(query.order_by(Demand.id)).first()


def test_plc_demand_ranks_the_plc_course_first(demo: Services) -> None:
    demand_id = _demand_id(demo, title="PLC Programming Engineer")
    results = demo.matcher.match_demand(demand_id, "courses", k=5)
    assert results[0]["title"] == "PLC Programming and Applications"
    covered = {c["skill"] for c in results[0]["explanation"]["covered"]}
    assert "PLC programming" in covered
    assert all(0.0 <= r["score"] <= 1.0 for r in results)
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert [r["rank"] for r in results] == [1, 2, 3, 4, 5]


def test_5g_demand_has_no_course_covering_it(demo: Services) -> None:
    demand_id = _demand_id(demo, external_id="demo-D0001")
    results = demo.matcher.match_demand(demand_id, "courses", k=150)
    assert len(results) == 150
    for result in results:
        covered = {c["skill"] for c in result["explanation"]["covered"]}
        assert "5G base station maintenance" not in covered
        assert "5G base station maintenance" in result["explanation"]["missing"]


def test_explanation_is_read_off_the_scores(demo: Services) -> None:
    threshold = demo.matcher.cover_threshold
    demand_id = _demand_id(demo, title="Industrial Robot Technician")
    for result in demo.matcher.match_demand(demand_id, "programs", k=10):
        explanation = result["explanation"]
        assert all(c["similarity"] >= threshold for c in explanation["covered"])
        asked = [c["skill"] for c in explanation["covered"]] + explanation["missing"]
        with demo.db.session() as session:
            assert sorted(asked) == sorted(session.get(Demand, demand_id).skills)


def test_programs_rank_for_a_demand(demo: Services) -> None:
    demand_id = _demand_id(demo, title="Rolling Stock Maintenance Technician")
    results = demo.matcher.match_demand(demand_id, "programs", k=3)
    assert results[0]["title"] == "Urban Rail Vehicle Technology"


def test_program_finds_the_demands_it_serves(demo: Services) -> None:
    with demo.db.session() as session:
        program_id = session.scalar(
            select(Program.id).where(Program.name == "Welding Technology and Automation")
        )
    results = demo.matcher.match_program(program_id, k=5, filters=Filters(active_only=False))
    assert {"Welder (MIG/TIG)", "Robotic Welding Technician"} & {r["title"] for r in results[:3]}


def test_course_finds_demands(demo: Services) -> None:
    with demo.db.session() as session:
        course_id = session.scalar(
            select(Course.id).where(Course.title == "SMT Surface Mount Production")
        )
    results = demo.matcher.match_course(course_id, k=3, filters=Filters(active_only=False))
    assert all("SMT" in r["title"] for r in results)


def test_student_gets_internships_and_jobs_with_courses_for_missing_skills(demo: Services) -> None:
    results = demo.matcher.match_student(1, k=10)
    assert results
    assert {r["kind"] for r in results} <= {"internship", "job"}
    tips = [(r, tip) for r in results for tip in r["explanation"]["learn"]]
    assert tips  # the demo student lacks skills that some course teaches
    with demo.db.session() as session:
        student = session.get(Student, 1)
        taken = {c.id for c in student.courses}
        for result, tip in tips:
            assert tip["skill"] in result["explanation"]["missing"]
            course = session.get(Course, tip["course_id"])
            assert (course.title, course.school.name) == (tip["course"], tip["school"])
            assert course.id not in taken  # a course taken would have covered the skill
            assert tip["by"] in course_phrases(course)  # the course really teaches the phrase
            # ... and that phrase covers the missing skill by the product's own similarity
            asked, taught = [tip["skill"]], [tip["by"]]
            table = PhraseTable(session, demo.vectors, asked + taught)
            similarity = table.similarity(asked, taught, demo.matcher.skill_lexical_weight).item()
            assert similarity == pytest.approx(tip["similarity"], abs=1e-3)
            assert similarity >= demo.matcher.cover_threshold


def test_only_consenting_students_are_found(demo: Services) -> None:
    with demo.db.session() as session:
        consenting = set(session.scalars(select(Student.id).where(Student.consent.is_(True))))
    demand_id = _demand_id(demo, title="PLC Programming Engineer")
    results = demo.matcher.match_demand(demand_id, "students", k=50)
    assert results
    assert {r["id"] for r in results} <= consenting


def test_filters_kind_city_and_activity(demo: Services) -> None:
    results = demo.matcher.match_text(
        "PLC programming", "demands", k=20, filters=Filters(kinds=("internship",), city="Liuzhou")
    )
    assert results
    assert all(r["kind"] == "internship" and r["city"] == "Liuzhou" for r in results)
    with demo.db.session() as session:
        for r in results:
            demand = session.get(Demand, r["id"])
            assert demand.status == "active"


def test_expired_posting_is_not_matched_unless_asked(demo: Services) -> None:
    everything = demo.matcher.match_text(
        "hot rolling steel", "demands", k=200, filters=Filters(active_only=False)
    )
    active = demo.matcher.match_text("hot rolling steel", "demands", k=200)
    assert len(active) < len(everything)


def test_free_text_finds_courses(demo: Services) -> None:
    results = demo.matcher.match_text("fiber fusion splicing, OTDR testing", "courses", k=3)
    assert results[0]["title"] == "Optical Fiber Communication"
    assert results[0]["explanation"]["missing"] == []


def test_chinese_text_finds_chinese_and_english_postings(demo: Services) -> None:
    titles = [r["title"] for r in demo.matcher.match_text("5G基站维护", "demands", k=5)]
    assert "5G基站维护工程师" in titles
    assert all(t.startswith("5G") for t in titles)
    assert any("Base Station Maintenance" in t for t in titles)


def test_chinese_demand_finds_english_courses(demo: Services) -> None:
    demand_id = _demand_id(demo, title="工业机器人运维工程师")
    titles = [r["title"] for r in demo.matcher.match_demand(demand_id, "courses", k=3)]
    assert titles[0] in {"Industrial Robot Operation and Programming", "工业机器人编程与操作"}
    assert "Industrial Robot Operation and Programming" in titles


def test_english_course_finds_chinese_posting(demo: Services) -> None:
    with demo.db.session() as session:
        course_id = session.scalar(
            select(Course.id).where(Course.title == "SMT Surface Mount Production")
        )
    results = demo.matcher.match_course(course_id, k=5, filters=Filters(active_only=False))
    assert "SMT工艺工程师" in {r["title"] for r in results}


def test_exact_technical_term_counts(demo: Services) -> None:
    results = demo.matcher.match_text("PLC", "courses", k=3)
    assert results[0]["title"] == "PLC Programming and Applications"
    assert results[0]["explanation"]["lexical_score"] == 1.0


def test_score_is_made_of_the_parts_the_explanation_shows(demo: Services) -> None:
    """Faithfulness: the score is the fusion of the three parts shown, and the skill score is
    the mean of the similarities shown for covered skills and for the nearest phrase of each
    missing one (those all below the threshold)."""
    matcher = demo.matcher
    demand_id = _demand_id(demo, title="Robotic Welding Technician")
    for result in matcher.match_demand(demand_id, "courses", k=10):
        e = result["explanation"]
        fused = matcher.weights.fuse(e["text_similarity"], e["lexical_score"], e["skill_score"])
        if e["occupation"] is not None:  # title-only demands: see test_occupation_coding
            weight = matcher.occupation_weight
            fused = (1 - weight) * fused + weight * e["occupation"]["agreement"]
        assert result["score"] == pytest.approx(fused, abs=2e-4)
        assert [n["skill"] for n in e["nearest"]] == e["missing"]
        assert all(n["similarity"] < matcher.cover_threshold for n in e["nearest"])
        sims = [c["similarity"] for c in e["covered"]] + [n["similarity"] for n in e["nearest"]]
        mean = sum(min(max(x, 0.0), 1.0) for x in sims) / len(sims)
        assert e["skill_score"] == pytest.approx(mean, abs=2e-4)
