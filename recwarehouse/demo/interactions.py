"""A synthetic interaction log for the bring-your-own interactions path, of any size.

    python -m recwarehouse.demo.interactions --interactions 1000000 --users 50000 --items 20000 \
        --seed 7 --out data/interactions_1m [--ratings] [--repeat-rate 0.1]

Writes `interactions.parquet` (user_id, item_id, event_at, rating, weight) and `items.parquet`
(item_id, title, categories) in the parquet adapter's contract. The world, all seeded:

* items have a Zipf-like popularity (weight 1 / rank^zipf_exponent over a random order) and a
  latent vector; their category is the latent dimension they load on most;
* users have a latent taste that drifts linearly from a start to an end vector over their active
  span, and a log-normal activity (at least `min_per_user` interactions);
* each interaction samples `pool` items by popularity and picks one of them by softmax of
  taste . item / temperature, so what users choose is popularity shaped by taste, as in real logs;
* with probability `repeat_rate` an interaction re-consumes an item the user already had
  (a replay or re-purchase), and `--ratings` adds a 1-5 rating that rises with the affinity.

Generated in chunks of users, so memory is bounded by a chunk, not by the log.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

START = np.datetime64("2024-01-01T00:00:00", "s")
SPAN_SECONDS = 365 * 86_400


def _items(n_items: int, dims: int, zipf_exponent: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(popularity probabilities, latent vectors) of every item."""
    order = rng.permutation(n_items)
    popularity = 1.0 / np.power(order + 1.0, zipf_exponent)
    vectors = rng.normal(size=(n_items, dims)).astype(np.float32)
    return popularity / popularity.sum(), vectors


def _user_counts(n_users: int, n_interactions: int, min_per_user: int, rng: np.random.Generator) -> np.ndarray:
    """Interactions per user: log-normal activity scaled to the total, at least min_per_user."""
    activity = rng.lognormal(mean=0.0, sigma=1.0, size=n_users)
    spare = max(n_interactions - min_per_user * n_users, 0)
    counts = min_per_user + np.floor(activity / activity.sum() * spare).astype(np.int64)
    short = n_interactions - counts.sum()
    if short > 0:  # hand the rounding remainder to the most active users
        counts[np.argsort(-activity, kind="stable")[:short]] += 1
    return counts


def _chunk(
    users: np.ndarray,
    counts: np.ndarray,
    popularity: np.ndarray,
    vectors: np.ndarray,
    a: argparse.Namespace,
    rng: np.random.Generator,
) -> pd.DataFrame:
    dims = vectors.shape[1]
    n = int(counts.sum())
    owner = np.repeat(np.arange(users.size), counts)
    position = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)  # 0.. within a user
    progress = position / np.maximum(np.repeat(counts, counts) - 1, 1)  # 0 -> 1 over the user's span
    start_taste = rng.normal(size=(users.size, dims)).astype(np.float32)
    end_taste = start_taste + a.drift * rng.normal(size=(users.size, dims)).astype(np.float32)
    taste = start_taste[owner] * (1 - progress[:, None]) + end_taste[owner] * progress[:, None]
    pool = rng.choice(popularity.size, size=(n, a.pool), p=popularity)
    affinity = np.einsum("nd,npd->np", taste, vectors[pool], optimize=True) / np.sqrt(dims)
    gumbel = -np.log(-np.log(rng.random(size=affinity.shape)))
    pick = np.argmax(affinity / a.temperature + gumbel, axis=1)
    items = pool[np.arange(n), pick]
    chosen_affinity = affinity[np.arange(n), pick]
    # re-consumption: replace a fraction of non-first interactions by an earlier item of the user
    repeat = (rng.random(n) < a.repeat_rate) & (position > 0)
    earlier = position[repeat] * rng.random(repeat.sum())
    items[repeat] = items[np.flatnonzero(repeat) - position[repeat] + earlier.astype(np.int64)]
    first_at = rng.integers(0, SPAN_SECONDS // 2, size=users.size)
    span = rng.integers(SPAN_SECONDS // 20, SPAN_SECONDS // 2, size=users.size)
    seconds = first_at[owner] + (progress * span[owner]).astype(np.int64) + rng.integers(0, 3_600, size=n)
    frame = pd.DataFrame(
        {
            "user_id": pd.Series(users[owner]).map(lambda u: f"u{u}"),
            "item_id": pd.Series(items).map(lambda i: f"i{i}"),
            "event_at": START + seconds.astype("timedelta64[s]"),
            "rating": np.nan,
            "weight": np.nan,
        }
    )
    if a.ratings:
        noisy = 3.0 + 1.2 * chosen_affinity + rng.normal(scale=0.8, size=n)
        frame["rating"] = np.clip(np.round(noisy), 1, 5)
    return frame


def generate(a: argparse.Namespace) -> dict:
    """Write the log and the catalogue under a.out; returns a summary of what was written."""
    rng = np.random.default_rng(a.seed)
    popularity, vectors = _items(a.items, a.dims, a.zipf_exponent, rng)
    counts = _user_counts(a.users, a.interactions, a.min_per_user, rng)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    schema = pa.schema(
        [
            ("user_id", pa.string()),
            ("item_id", pa.string()),
            ("event_at", pa.timestamp("us")),
            ("rating", pa.float64()),
            ("weight", pa.float64()),
        ]
    )
    written = 0
    with pq.ParquetWriter(out / "interactions.parquet", schema) as writer:
        for lo in range(0, a.users, a.chunk_users):
            users = np.arange(lo, min(lo + a.chunk_users, a.users))
            frame = _chunk(users, counts[users], popularity, vectors, a, rng)
            frame["event_at"] = frame["event_at"].astype("datetime64[us]")
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            written += len(frame)
    category = np.argmax(vectors[:, : a.categories], axis=1)
    items = pd.DataFrame(
        {
            "item_id": [f"i{i}" for i in range(a.items)],
            "title": [f"Item {i}" for i in range(a.items)],
            "categories": [f"genre {c}" for c in category],
        }
    )
    pq.write_table(pa.Table.from_pandas(items, preserve_index=False), out / "items.parquet")
    return {"interactions": written, "users": a.users, "items": a.items, "out": str(out)}


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--interactions", type=int, default=1_000_000)
    ap.add_argument("--users", type=int, default=50_000)
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ratings", action="store_true", help="add 1-5 ratings (default: none, implicit feedback)")
    ap.add_argument("--repeat-rate", type=float, default=0.1, help="share of interactions that re-consume")
    ap.add_argument("--min-per-user", type=int, default=3)
    ap.add_argument("--dims", type=int, default=16, help="latent dimensions of tastes and items")
    ap.add_argument("--categories", type=int, default=12, help="item categories (<= dims)")
    ap.add_argument("--zipf-exponent", type=float, default=0.9)
    ap.add_argument("--drift", type=float, default=0.5, help="how far tastes move over a user's span")
    ap.add_argument("--pool", type=int, default=32, help="items sampled by popularity per choice")
    ap.add_argument("--temperature", type=float, default=0.35, help="softmax temperature of taste")
    ap.add_argument("--chunk-users", type=int, default=5_000)
    return ap


def main() -> None:
    a = parser().parse_args()
    if a.categories > a.dims:
        raise SystemExit(f"--categories ({a.categories}) must be <= --dims ({a.dims})")
    print(generate(a))


if __name__ == "__main__":
    main()
