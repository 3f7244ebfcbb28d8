"""The generator: deterministic, funnel-consistent, and carrying the hidden structure."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pytest

from recwarehouse.demo import catalog
from recwarehouse.demo import recommendation_feedback as said
from recwarehouse.demo.catalog import RAW_TABLES
from recwarehouse.demo.generate import GeneratorConfig, generate

SMALL = GeneratorConfig(users=400, trainers=30, workouts=150, weeks=5, seed=3)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    generate(SMALL, out)
    return out


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.parquet"))
    }


def test_same_seed_gives_identical_files(small: Path, tmp_path: Path) -> None:
    generate(SMALL, tmp_path)
    assert _digest(small) == _digest(tmp_path)


def test_other_seed_gives_other_data(small: Path, tmp_path: Path) -> None:
    generate(GeneratorConfig(**{**SMALL.__dict__, "seed": 4}), tmp_path)
    assert _digest(small)["events.parquet"] != _digest(tmp_path)["events.parquet"]


def test_bad_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Monday"):
        generate(GeneratorConfig(start="2026-01-06"), tmp_path)
    with pytest.raises(ValueError, match="workouts >= trainers"):
        generate(GeneratorConfig(trainers=10, workouts=5), tmp_path)


def q(folder: Path, sql: str) -> list[tuple]:
    con = duckdb.connect()
    for t in RAW_TABLES:
        con.execute(f"create view {t} as select * from read_parquet('{folder}/{t}.parquet')")
    con.execute(f"create view truth as select * from read_parquet('{folder}/truth/propensities.parquet')")
    return con.execute(sql).fetchall()


def test_every_click_follows_an_impression_and_every_view_a_click(small: Path) -> None:
    for later, earlier in [("click", "impression"), ("video_view", "click")]:
        orphans = q(
            small,
            f"""
            select count(*) from events l
            where l.event_type = '{later}' and not exists (
                select 1 from events e
                where e.event_type = '{earlier}' and e.user_id = l.user_id
                  and e.workout_id = l.workout_id and e.event_at <= l.event_at)
            """,
        )[0][0]
        assert orphans == 0, f"{orphans} {later} events without an earlier {earlier}"


def test_likes_follow_sessions_and_match_feedback(small: Path) -> None:
    (orphans,) = q(
        small,
        """select count(*) from events l where l.event_type = 'like' and not exists (
             select 1 from sessions s where s.user_id = l.user_id and s.workout_id = l.workout_id
               and s.started_at <= l.event_at)""",
    )[0]
    assert orphans == 0
    (likes,), (liked,) = (
        q(small, "select count(*) from events where event_type = 'like'"),
        q(small, "select sum(liked) from feedback"),
    )
    assert likes == liked


def test_no_event_before_signup_and_watch_fraction_only_on_views(small: Path) -> None:
    (early,) = q(
        small,
        "select count(*) from events e join users u using (user_id) where e.event_at < u.signup_at",
    )[0]
    assert early == 0
    (bad,) = q(
        small,
        """select count(*) from events where (event_type = 'video_view') <> (watch_fraction is not null)
           or watch_fraction not between 0 and 1""",
    )[0]
    assert bad == 0


def test_goal_match_and_quality_drive_engagement(small: Path) -> None:
    """Clicks per impression are clearly higher when the trainer serves the user's goal."""
    rows = q(
        small,
        """
        with gm as (
            select u.user_id, t.trainer_id,
                   max(case when lower(t.specialities) like '%' || split_part(g.term, ' ', 1) || '%'
                       then 1 else 0 end) as goal_match
            from users u cross join trainers t
            join (values ('weight_loss', 'weight'), ('weight_loss', 'fat'), ('weight_loss', 'slimming'),
                         ('rehab', 'rehab'), ('rehab', 'physio'), ('rehab', 'injury'),
                         ('strength', 'strength'), ('strength', 'weights'), ('strength', 'lifting'),
                         ('flexibility', 'mobility'), ('flexibility', 'flexibility'), ('flexibility', 'stretching'),
                         ('endurance', 'endurance'), ('endurance', 'cardio'), ('endurance', 'stamina'),
                         ('posture', 'posture'), ('posture', 'back')) g(goal, term)
              on g.goal = u.goal
            group by all
        )
        select gm.goal_match,
               sum(case when e.event_type = 'click' then 1 else 0 end)::double
               / sum(case when e.event_type = 'impression' then 1 else 0 end) as ctr
        from events e join gm using (user_id, trainer_id)
        group by 1 order by 1
        """,
    )
    ctr = dict(rows)
    assert ctr[1] > 1.5 * ctr[0]


def test_truth_is_a_probability_and_predicts_labels(small: Path) -> None:
    ((lo, hi, n),) = q(small, "select min(p_label), max(p_label), count(*) from truth")
    assert 0 <= lo <= hi <= 1 and n == SMALL.users * SMALL.trainers * SMALL.weeks
    labelled = q(
        small,
        """
        with labels as (
            select distinct user_id, trainer_id, cast(date_trunc('week', event_at) as date) as target_week
            from events where event_type = 'click')
        select t.p_label, (l.user_id is not null)::int
        from truth t left join labels l using (user_id, trainer_id, target_week)
        """,
    )
    p, y = np.array(labelled).T
    # calibrated: the mean predicted probability matches the realised rate within a few percent
    assert abs(p.mean() - y.mean()) < 0.1 * y.mean()
    assert y[p > np.quantile(p, 0.9)].mean() > 5 * y[p < np.quantile(p, 0.5)].mean()


def test_recommendation_feedback_is_on_served_pairs_after_the_served_week(small: Path) -> None:
    ((n, unserved, early, types),) = q(
        small,
        """
        with served as (
            select distinct user_id, trainer_id, cast(date_trunc('week', event_at) as date) as served_week
            from events where event_type = 'impression')
        select count(*), count(*) filter (where s.user_id is null),
               count(*) filter (where f.given_at < f.served_week), list(distinct f.feedback_type order by 1)
        from recommendation_feedback f left join served s using (user_id, trainer_id, served_week)
        """,
    )
    assert n > 500 and unserved == 0 and early == 0
    assert sorted(types) == sorted(catalog.FEEDBACK_TYPES)


def test_recommendation_feedback_follows_its_hidden_causes(small: Path) -> None:
    """helpful only after a click; wrong_speciality only where no speciality of the trainer serves
    the goal (nearby accepted specialities included, as written to truth/); too_expensive more
    often for dearer trainers."""
    rows = q(
        small,
        """
        with clicked as (
            select distinct user_id, trainer_id, cast(date_trunc('week', event_at) as date) as served_week
            from events where event_type = 'click')
        select f.feedback_type, c.user_id is not null, u.goal, t.specialities, t.price_per_session
        from recommendation_feedback f
        join users u using (user_id) join trainers t using (trainer_id)
        left join clicked c using (user_id, trainer_id, served_week)
        """,
    )
    assert all(was_clicked for kind, was_clicked, *_ in rows if kind == "helpful")
    folded = {term: spec for spec, terms in catalog.SPECIALITY_SYNONYMS.items() for term in terms}
    accepts = said.accepted_specialities()
    goal_index, spec_index = (
        {g: i for i, g in enumerate(catalog.GOALS)},
        {s: i for i, s in enumerate(catalog.SPECIALITIES)},
    )

    def serves(goal: str, text: str) -> bool:
        terms = [t.strip().lower().replace("-", " ") for t in text.replace(";", ",").replace("/", ",").split(",")]
        return any(accepts[goal_index[goal], spec_index[folded[t]]] for t in terms if t)

    wrong = [serves(goal, text) for kind, _, goal, text, _ in rows if kind == "wrong_speciality"]
    assert wrong and not any(wrong)
    prices = np.array([price for *_, price in rows])
    expensive = np.array([kind == "too_expensive" for kind, *_ in rows])
    assert prices[expensive].mean() > prices[~expensive].mean() + 5
    truth = q(
        small,
        f"select count(*) filter (where is_accepted) from read_parquet('{small}/truth/speciality_acceptance.parquet')",
    )
    assert truth[0][0] == accepts.sum() == len(catalog.GOALS) + sum(map(len, said.ACCEPTED_NEARBY.values()))
