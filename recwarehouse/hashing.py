"""The project's seeded hashes and content fingerprints, in one place. Every random-looking
choice made in Python (a random ranker's scores, which users a row cap keeps, which half of the
users trains the re-ranker) is a SHA-256 of the seed and a key, so it is the same on every run
and every machine."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd


def seeded_hash(key: object, seed: int) -> str:
    """SHA-256 (hex) of `<seed>|<key>`."""
    return hashlib.sha256(f"{seed}|{key}".encode()).hexdigest()


def seeded_units(keys: Iterable[object], seed: int) -> np.ndarray:
    """A number in [0, 1) per key (48 bits of its seeded hash)."""
    return np.array([int(seeded_hash(k, seed)[:12], 16) / 16**12 for k in keys])


def seeded_halves(keys: Iterable[object], seed: int) -> np.ndarray:
    """0 or 1 per key (32 bits of its seeded hash, mod 2)."""
    return np.array([int(seeded_hash(k, seed)[:8], 16) % 2 for k in keys])


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a data frame's content, row order included."""
    return hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()).hexdigest()


def text_fingerprint(text: str, digits: int = 64) -> str:
    """SHA-256 (hex, the first `digits`) of a text."""
    return hashlib.sha256(text.encode()).hexdigest()[:digits]
