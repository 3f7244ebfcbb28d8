"""Marketplace: price bands per trainer (and, later, feedback on recommendations)."""
