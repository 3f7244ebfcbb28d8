"""On the test build (300 users, so many sparse segments): the cold-start lists hold together."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.warehouse


def test_every_possible_segment_is_listed(warehouse) -> None:
    n_ages, n_levels, n_types = (
        warehouse.sql(f"select count(*) from reference.{t}").fetchone()[0]
        for t in ("age_groups", "fitness_levels", "workout_types")
    )
    (n_segments, n_empty) = warehouse.sql(
        "select count(*), count(*) filter (users = 0) from marts.dim_segments"
    ).fetchone()
    assert n_segments == n_ages * n_levels * n_types == 144
    assert n_empty > 0, "the small test data should leave some segments without users"


def test_sparse_segments_are_filled_from_their_parents_and_say_so(warehouse) -> None:
    rows = warehouse.sql(
        """
        select d.segment_key, d.evidenced_workouts, r.source_level, r.tier, r.rank
        from marts.dim_segments d join marts.fct_segment_recommendations r using (segment_key)
        where d.is_sparse
        order by d.segment_key, r.rank
        """
    ).fetchall()
    assert rows, "expected sparse segments on the test data"
    by_segment: dict[str, list] = {}
    for key, evidenced, level, tier, _ in rows:
        by_segment.setdefault(key, []).append((evidenced, level, tier))
    for key, picks in by_segment.items():
        evidenced = picks[0][0]
        own = [p for p in picks if p[1] == "segment"]
        assert len(own) == evidenced, key  # every own workout is kept
        tiers = [p[2] for p in picks]
        assert tiers == sorted(tiers), key  # own first, then the nearest parent
        assert any(p[1] != "segment" for p in picks), key


def test_lookup_macro_matches_the_per_user_table(warehouse) -> None:
    users = warehouse.sql(
        """
        select u.user_id, u.age_group, u.fitness_level, coalesce(list(p.preferred_type order by p.preferred_type)
            filter (p.preferred_type is not null), []) as types
        from staging.stg_platform__users u
        left join staging.stg_platform__user_preferred_types p using (user_id)
        group by all
        order by u.user_id
        limit 60
        """
    ).fetchall()
    for user_id, age, level, types in users:
        # an app passes raw profile input: case and spaces do not matter
        shouted = [f" {t.upper()} " for t in types]
        via_macro = warehouse.execute(
            "select workout_id from marts.cold_start_recommendations(?, ?, ?) order by rank",
            [age, level.upper(), shouted],
        ).fetchall()
        in_table = warehouse.execute(
            "select workout_id from marts.fct_user_cold_start_recommendations where user_id = ? order by rank",
            [user_id],
        ).fetchall()
        assert via_macro == in_table, user_id
        assert len(via_macro) == 5


def test_lookup_of_an_unknown_profile_is_empty(warehouse) -> None:
    assert warehouse.sql("select * from marts.cold_start_recommendations('99+', 'Advanced', ['yoga'])").fetchall() == []


def test_lookup_without_types_merges_every_type_of_the_age_and_level(warehouse) -> None:
    (age, level) = warehouse.sql("select age_group, fitness_level from marts.dim_segments limit 1").fetchone()
    all_types = [t for (t,) in warehouse.sql("select workout_type from reference.workout_types").fetchall()]
    no_types = warehouse.execute("select * from marts.cold_start_recommendations(?, ?, [])", [age, level]).fetchall()
    every_type = warehouse.execute(
        "select * from marts.cold_start_recommendations(?, ?, ?)", [age, level, all_types]
    ).fetchall()
    assert no_types == every_type and len(no_types) == 5


def test_round_robin_merge_gives_each_segment_its_first_pick(warehouse) -> None:
    # a user with two preferred types sees both segments' rank-1 workouts before any rank-2 pick
    (age, level) = warehouse.sql("select age_group, fitness_level from marts.dim_segments limit 1").fetchone()
    firsts = warehouse.execute(
        """
        select workout_id from marts.fct_segment_recommendations
        where segment_key in (?, ?) and rank = 1
        """,
        [f"{age}|{level}|yoga", f"{age}|{level}|boxing"],
    ).fetchall()
    merged = warehouse.execute(
        "select workout_id, best_segment_rank from marts.cold_start_recommendations(?, ?, ['yoga', 'boxing'])",
        [age, level],
    ).fetchall()
    top = {w for w, r in merged if r == 1}
    assert {w for (w,) in firsts} == top
    assert [r for _, r in merged] == sorted(r for _, r in merged)


def test_flagged_instructors_are_demoted(warehouse) -> None:
    rows = warehouse.sql(
        """
        select f.is_flagged, s.instructor_factor, count(*)
        from intermediate.int_segment_workouts_scored s
        join marts.fct_instructor_flags f using (trainer_id)
        group by all
        """
    ).fetchall()
    factors = {(flagged, factor) for flagged, factor, _ in rows}
    assert all(factor == (0.5 if flagged else 1.0) for flagged, factor in factors)
    reasons = warehouse.sql("select is_flagged, reason from marts.fct_instructor_flags").fetchall()
    assert all(("abandoned in" in r or "disliked in" in r) == flagged for flagged, r in reasons)


def test_mmr_lists_are_more_diverse_than_the_plain_top_list(warehouse) -> None:
    plain, mmr, kept = warehouse.sql(
        """
        select avg(plain_intra_list_similarity), avg(mmr_intra_list_similarity), avg(relevance_kept)
        from marts.fct_segment_diversity_comparison
        """
    ).fetchone()
    assert mmr < plain
    assert 0.5 < kept <= 1.0
