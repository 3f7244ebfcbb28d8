"""Bring-your-own interactions: baselines, collaborative filtering, the two-stage ranker, evaluation."""
