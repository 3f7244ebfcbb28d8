"""The same raw data in another row order: every Parquet file of a folder, its rows permuted by a
seeded shuffle (other files, such as the truth folder, are left out).

    python -m recwarehouse.demo.shuffle --src data/test --out data/test_shuffled --seed 3

A warehouse built from the copy must equal the one built from the original table for table: the
same data and vars give the same tables, whatever order the rows arrive in (an aggregate that
adds floating-point numbers in arrival order would differ in its last bits)."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb


def shuffle_folder(src: Path, out: Path, seed: int) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect() as con:
        con.execute("set threads = 1")  # one writer: the permutation depends on the seed only
        for source in sorted(src.glob("*.parquet")):
            target = out / source.name
            con.execute(
                f"copy (select * exclude (_order) from (select *, hash(row_number() over (), {int(seed)}) as _order"
                f" from read_parquet('{source}')) order by _order) to '{target}' (format parquet)"
            )
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args(argv)
    for path in shuffle_folder(args.src, args.out, args.seed):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
