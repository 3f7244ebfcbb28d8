"""The same interaction log under other names: every user and item id replaced through a seeded
bijection (random text), rows in the same order, in `interactions.parquet` and `items.parquet`.

    python -m recwarehouse.demo.relabel --src data/test_interactions --out data/test_interactions_relabelled --seed 5

Ids are only names: a warehouse built from the copy must serve the same model, and every model's
test NDCG must stay within 2% (relative) of the original's (bench/interactions_logs.py on several
logs; pytests/test_interactions_synthetic_warehouse.py on the test log)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def bijection(ids: pd.Series, prefix: str, rng: np.random.Generator) -> dict[str, str]:
    """Each distinct id (as text) to `<prefix><7 random hex digits>`, no two the same."""
    distinct = pd.unique(ids.astype(str))
    codes = rng.choice(16**7, size=distinct.size, replace=False)
    return dict(zip(distinct, (f"{prefix}{code:07x}" for code in codes), strict=True))


def relabel_folder(src: Path, out: Path, seed: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    events = pd.read_parquet(src / "interactions.parquet")
    items = pd.read_parquet(src / "items.parquet") if (src / "items.parquet").exists() else None
    users = bijection(events["user_id"], "u", rng)
    known = events["item_id"] if items is None else pd.concat([items["item_id"], events["item_id"]])
    catalogue = bijection(known, "i", rng)
    events["user_id"] = events["user_id"].astype(str).map(users)
    events["item_id"] = events["item_id"].astype(str).map(catalogue)
    written = [out / "interactions.parquet"]
    events.to_parquet(written[0], index=False)
    if items is not None:
        items["item_id"] = items["item_id"].astype(str).map(catalogue)
        written.append(out / "items.parquet")
        items.to_parquet(written[1], index=False)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)
    for path in relabel_folder(args.src, args.out, args.seed):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
