"""The weekly trainer ranking: rankers, the ranker registry, the second-stage re-ranker."""
