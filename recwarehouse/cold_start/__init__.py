"""Cold-start lists per segment: MMR diversification."""
