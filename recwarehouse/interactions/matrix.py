"""The user x item matrix of an interactions fold, sparse, and scoring in chunks of users.

Nothing here holds users x items densely: a fold is a `scipy.sparse` CSR matrix, and every model
scores a chunk of users at a time (`chunk_rows`: as many rows as fit `score_memory_mb`), keeping
each row's top N by a partition of its values (`top_n_rows`). Peak memory is the chunk plus the model.

Ids: users and items are indexed in sorted id order. A tie in score goes to the item that first
appears earlier in the log when the fold knows where its items first appear (`Fold.tie_order`,
`scored_chunks`' `order`), else to the smaller item index (= the smaller item id), in every path
alike (`top_n_rows`), so relabelled ids give the same lists.

Repeats: a (user, item) pair that occurs c times is one matrix entry whose value is the repeat
weight of c (`REPEAT_WEIGHTS`: `binary` 1, `count` c, `log` 1 + ln c). A user's recency rank r
counts distinct items backwards from their latest interaction (0 = most recent item), and the
scoring profile weighs an entry by exp(-r / tau) (tau = 0: no decay).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recwarehouse import thread_limit, threads

REPEAT_WEIGHTS = {
    "binary": lambda c: np.ones_like(c, dtype=np.float32),
    "count": lambda c: c.astype(np.float32),
    "log": lambda c: (1.0 + np.log(c)).astype(np.float32),
}


def repeat_weight(counts: np.ndarray, rule: str) -> np.ndarray:
    """The matrix value of a pair seen `counts` times, by the `interactions_repeat_weight` rule."""
    if rule not in REPEAT_WEIGHTS:
        raise ValueError(f"interactions_repeat_weight must be one of {sorted(REPEAT_WEIGHTS)}, got {rule!r}")
    return REPEAT_WEIGHTS[rule](np.asarray(counts))


@dataclass
class Fold:
    """One fold's history: sorted ids and, per distinct (user, item) pair, its count and recency."""

    users: np.ndarray  # sorted user ids with history
    items: np.ndarray  # sorted item ids with history
    x: sp.csr_matrix  # users x items, value = repeat weight of the pair's count (float32)
    recency: sp.csr_matrix  # same pattern, value = the pair's distinct-item recency rank + 1
    # where each user / item first appears in the log (`log_row`), when known: an order of them
    # that no relabelling of ids changes, for the order a fit visits them in (`_fit_implicit`)
    user_first: np.ndarray | None = None
    item_first: np.ndarray | None = None

    @classmethod
    def from_history(cls, history: pd.DataFrame, repeat_rule: str = "log") -> Fold:
        """history: one row per interaction, columns user_id, item_id, recency_rank (0 = the user's
        latest interaction). Repeats of a pair collapse into one entry (count, latest position)."""
        user_codes, users = pd.factorize(history["user_id"].astype(str), sort=True)
        item_codes, items = pd.factorize(history["item_id"].astype(str), sort=True)
        users, items = np.asarray(users, dtype=object), np.asarray(items, dtype=object)
        recency = history["recency_rank"].to_numpy()
        return cls.from_codes(user_codes, item_codes, recency, users, items, repeat_rule)

    @classmethod
    def from_codes(
        cls,
        user_codes: np.ndarray,
        item_codes: np.ndarray,
        recency_rank: np.ndarray,
        user_ids: np.ndarray,
        item_ids: np.ndarray,
        repeat_rule: str = "log",
        every_item: bool = False,
    ) -> Fold:
        """The same from integer codes into sorted id arrays (user_ids / item_ids may hold more ids
        than the fold uses: the fold keeps the ones it has, in the same order; with `every_item`
        it keeps every id of item_ids, so its columns are those of a fold it is a part of)."""
        used_u, user_codes = np.unique(user_codes, return_inverse=True)
        if every_item:
            used_i = np.arange(len(item_ids))
        else:
            used_i, item_codes = np.unique(item_codes, return_inverse=True)
        users, items = user_ids[used_u], item_ids[used_i]
        pairs = pd.DataFrame({"u": user_codes, "i": item_codes, "r": recency_rank})
        grouped = pairs.groupby(["u", "i"], sort=True).agg(count=("r", "size"), latest=("r", "min")).reset_index()
        # distinct-item recency: order each user's pairs by their latest position
        grouped = grouped.sort_values(["u", "latest", "i"], kind="mergesort")
        grouped["rank"] = grouped.groupby("u", sort=False).cumcount()
        grouped = grouped.sort_values(["u", "i"], kind="mergesort")
        u = grouped["u"].to_numpy()
        i = grouped["i"].to_numpy()
        shape = (len(users), len(items))
        x = sp.csr_matrix((repeat_weight(grouped["count"].to_numpy(), repeat_rule), (u, i)), shape=shape)
        rec = sp.csr_matrix((grouped["rank"].to_numpy(dtype=np.float32) + 1.0, (u, i)), shape=shape)
        x.sort_indices()
        rec.sort_indices()
        return cls(np.asarray(users, dtype=object), np.asarray(items, dtype=object), x, rec)

    @property
    def shape(self) -> tuple[int, int]:
        return self.x.shape

    def profile(self, tau: float) -> sp.csr_matrix:
        """The scoring rows: each entry's weight times exp(-r / tau) (tau 0: the weight)."""
        if tau == 0:
            return self.x
        p = self.x.copy()
        p.data = (p.data * np.exp(-(self.recency.data - 1.0) / tau)).astype(np.float32)
        return p

    def tie_order(self) -> np.ndarray | None:
        """The columns in the order their items first appear in the log, when known: equal scores
        go to the item earlier in it (`ListJob.order`)."""
        return None if self.item_first is None else np.argsort(self.item_first, kind="stable")

    def user_order(self) -> np.ndarray | None:
        """The rows in the order their users first appear in the log, when known."""
        return None if self.user_first is None else np.argsort(self.user_first, kind="stable")

    def in_log_order(self) -> sp.csr_matrix:
        """X with its users and items in the order they first appear in the log (X itself when
        that is not known): what the models are fitted on, so every sum, draw and tie visits them
        in an order no relabelling of ids changes."""
        x = self.x
        if self.user_first is not None:
            x = x[self.user_order()]
        if self.item_first is not None:
            x = x[:, self.tie_order()]
        x = sp.csr_matrix(x)
        x.sort_indices()
        return x

    def megabytes(self) -> float:
        return (self.x.data.nbytes + self.x.indices.nbytes + self.x.indptr.nbytes) * 2 / 2**20


def encode_ids(values) -> tuple[np.ndarray, np.ndarray]:
    """(int32 codes, sorted distinct ids) of a text column (pyarrow array or chunked array): the
    dictionary is built by Arrow and only the distinct ids are sorted in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    dictionary = np.asarray(encoded.dictionary.to_pylist(), dtype=object)
    ids = np.unique(dictionary) if dictionary.size else dictionary
    remap = np.searchsorted(ids, dictionary).astype(np.int32)
    return remap[encoded.indices.to_numpy(zero_copy_only=False)], ids


def chunk_rows(n_columns: int, score_memory_mb: float, floor: int = 16) -> int:
    """Rows of a dense float32 score block (plus its working copies) that fit score_memory_mb."""
    per_row = max(n_columns, 1) * 4 * 3
    return max(floor, int(score_memory_mb * 2**20 // per_row))


# `top_n_rows` on rows this many times 4 wide or wider bounds each row's cut from this many columns
BOUND_COLUMNS = 4096


def top_n_rows(
    scores: np.ndarray, seen: sp.csr_matrix | None, n: int, overwrite: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a dense block, the n best columns not in `seen` (same rows), best first; ties go
    to the smaller column, exactly as a full stable sort would. Returns (columns, scores); a row
    with fewer than n unseen columns is padded with -inf scores. `overwrite`: the block may be
    used as scratch space (the chunked scorers hand over blocks nobody else holds).

    How: each row's n-th best value (the cut) by a partition of the values, which is cheaper than
    partitioning indices; then every column at least as good as the cut, sorted by (score,
    column). A row with more columns equal to the cut than places left (a short history's zeros
    beyond its few neighbours) keeps what beats the cut and then its smallest equal columns. On
    wide rows (a catalogue of 4 x `BOUND_COLUMNS` items or more) the partition runs on the row's
    first columns only, whose n-th best bounds the cut, and the exact cut comes from the columns
    that reach that bound (`top_entries`): the same lists, a fraction of the work."""
    s = np.ascontiguousarray(scores) if overwrite else np.array(scores, order="C")  # C order: rows are runs
    if s.dtype not in (np.float32, np.float64):
        s = s.astype(np.float64)
    n_rows, m = s.shape
    n = min(n, m)
    if n == 0:
        return np.zeros((n_rows, 0), dtype=np.int64), np.zeros((n_rows, 0))
    seen_rows = np.repeat(np.arange(seen.shape[0]), np.diff(seen.indptr)) if seen is not None and seen.nnz else None
    sample = max(BOUND_COLUMNS, 4 * n)
    if 4 * sample <= m:
        # wide rows: a bound on each row's cut from its first `sample` columns (the cut over every
        # column is as good or better), then the exact top n among the columns that reach the bound,
        # a few percent of the row, instead of partitioning the whole row
        if seen_rows is not None:
            s[seen_rows, seen.indices] = -np.inf
        bound = -np.partition(-s[:, :sample], n - 1, axis=1)[:, n - 1 : n]
        flat = np.flatnonzero(s >= bound)
        rows, cols = np.divmod(flat, m)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_rows))])
        _, cols, vals = top_entries(indptr, cols, s.ravel()[flat], n)
        return cols.reshape(n_rows, n), vals.astype(np.float64).reshape(n_rows, n)
    # work on the negated scores (best = smallest): NumPy's partition around a small kth stays
    # fast on blocks full of equal values (kNN's zeros), around a large kth it does not
    np.negative(s, out=s)
    if seen_rows is not None:
        s[seen_rows, seen.indices] = np.inf
    cut = np.partition(s, n - 1, axis=1)[:, n - 1 : n] if n < m else np.full((n_rows, 1), np.inf, dtype=s.dtype)
    kept = s <= cut
    tied = np.flatnonzero(kept.sum(axis=1) > n)
    kept[tied] = False
    rows, cols = np.divmod(np.flatnonzero(kept), m)
    if tied.size:
        sub, sub_cut = s[tied], cut[tied]
        better = sub < sub_cut
        equal = sub == sub_cut
        need = n - better.sum(axis=1)
        r, c = np.nonzero(better | (equal & (np.cumsum(equal, axis=1) <= need[:, None])))
        rows, cols = np.concatenate([rows, tied[r]]), np.concatenate([cols, c])
    vals = s[rows, cols]
    order = np.lexsort((cols, vals, rows))
    cols = cols[order].reshape(n_rows, n)
    vals = -vals[order].reshape(n_rows, n)
    return cols, vals.astype(np.float64)


def top_entries_per_row(scores: sp.csr_matrix, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`top_entries` of a CSR matrix."""
    return top_entries(scores.indptr, scores.indices, scores.data, n)


def top_entries(
    indptr: np.ndarray, indices: np.ndarray, values: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's n largest stored entries of a CSR matrix (indptr, indices, values) without
    duplicates (its columns in any order within a row), as (rows, columns, values), rows
    ascending and within a row best first; ties go to the smaller column, as a full stable
    sort would give. Work and memory grow with the stored entries, never with rows x columns.

    How: rows with more than n entries get their cut (the n-th largest value) from a partition of
    their values, padded into dense blocks of rows of similar length (every row in a block is at
    least half as long as the block), so padding at most doubles the work; then every entry that
    beats its row's cut, and the row's smallest columns among the entries equal to it."""
    n_rows = indptr.size - 1
    lengths = np.diff(indptr)
    if n <= 0 or values.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=values.dtype)
    cut = np.full(n_rows, -np.inf, dtype=np.float64)  # rows with n entries or fewer keep them all
    long = np.flatnonzero(lengths > n)
    if long.size:
        width_class = np.ceil(np.log2(lengths[long])).astype(np.int64)
        for w in np.unique(width_class):
            rows = long[width_class == w]
            lens = lengths[rows]
            pad = np.full((rows.size, int(lens.max())), np.inf, dtype=values.dtype)
            r = np.repeat(np.arange(rows.size), lens)
            pos = np.arange(lens.sum()) - np.repeat(np.cumsum(lens) - lens, lens)
            pad[r, pos] = -values[np.repeat(indptr[rows], lens) + pos]  # negated: best = smallest
            cut[rows] = -np.partition(pad, n - 1, axis=1)[:, n - 1]
    row_of = np.repeat(np.arange(n_rows), lengths)
    entry_cut = cut[row_of]
    better = np.flatnonzero(values > entry_cut)
    need = n - np.bincount(row_of[better], minlength=n_rows)
    # the entries equal to their row's cut, by (row, column): each row keeps its `need` first
    equal = np.flatnonzero(values == entry_cut)
    equal = equal[np.lexsort((indices[equal], row_of[equal]))]
    first = np.searchsorted(row_of[equal], row_of[equal])  # where the row's equal entries start
    keep = np.concatenate([better, equal[np.arange(equal.size) - first < need[row_of[equal]]]])
    rows, cols, vals = row_of[keep], indices[keep].astype(np.int64), values[keep]
    order = np.lexsort((cols, -vals, rows))
    return rows[order], cols[order], vals[order]


def top_n_sparse_rows(scores: sp.csr_matrix, seen: sp.csr_matrix | None, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`top_n_rows` of a sparse block (no duplicate entries, as a sparse product gives) whose
    stored values are all > 0 (kNN scores), without making it dense: the same columns and scores
    as `top_n_rows(scores.toarray(), seen, n)`. A row with fewer than n unseen stored entries
    continues with its smallest unseen columns at score 0, then pads with -inf (on its smallest
    seen columns), exactly as the dense path ranks them."""
    scores = sp.csr_matrix(scores)
    scores.eliminate_zeros()
    if (scores.data < 0).any():
        return top_n_rows(scores.toarray(), seen, n, overwrite=True)
    n_rows, m = scores.shape
    n = min(n, m)
    if seen is not None and seen.nnz:
        seen = sp.csr_matrix(seen, dtype=bool).astype(scores.dtype)
        scores = scores - scores.multiply(seen)  # the seen entries become zeros, then go
        scores.eliminate_zeros()
    rows, cols, vals = top_entries_per_row(scores, n)
    out_cols = np.zeros((n_rows, n), dtype=np.int64)
    out_vals = np.zeros((n_rows, n), dtype=np.float64)
    counts = np.bincount(rows, minlength=n_rows)
    slot = np.arange(rows.size) - np.repeat(np.cumsum(counts) - counts, counts)
    out_cols[rows, slot] = cols
    out_vals[rows, slot] = vals
    for r in np.flatnonzero(counts < n):  # short rows: zeros in column order, then the seen at -inf
        have = int(counts[r])
        taken = out_cols[r, :have]
        seen_r = (
            seen.indices[seen.indptr[r] : seen.indptr[r + 1]] if seen is not None and seen.nnz else np.zeros(0, int)
        )
        excluded = np.union1d(taken, seen_r)
        candidates = np.arange(min(m, n - have + excluded.size))
        zeros = candidates[~np.isin(candidates, excluded)][: n - have]
        out_cols[r, have : have + zeros.size] = zeros
        rest = n - have - zeros.size
        if rest:
            out_cols[r, n - rest :] = np.sort(seen_r)[:rest]
            out_vals[r, n - rest :] = -np.inf
    return out_cols, out_vals


def scored_chunks(
    fold: Fold,
    score_block: Callable[[np.ndarray], np.ndarray],
    n: int,
    score_memory_mb: float,
    exclude_seen: bool = True,
    workers: int | None = None,
    users: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yields (user rows, top-n columns, their scores) chunk by chunk, in user order, for every user
    of the fold or only the sorted row indices `users`; score_block(rows) returns the scores of
    those users over every item, dense, or sparse when most are 0 (kNN: `top_n_sparse_rows` ranks
    them as the dense path would, without making them dense). `workers` chunks (default: the
    project's threads) are scored at once on threads (NumPy and SciPy release the GIL), each with
    one BLAS thread and score_memory_mb / workers of room, so the cores are used and not
    oversubscribed. Chunks are independent: the result does not depend on workers. `order`: the
    block's columns are the items in this order (a permutation of the fold's columns), so equal
    scores go to the item earlier in it; the columns yielded are the fold's."""
    workers = max(1, workers or threads())
    step = chunk_rows(fold.shape[1], score_memory_mb / workers)
    seen = fold.x if exclude_seen else None
    if seen is not None and order is not None:  # the seen items in the block's column order
        # new arrays throughout: sorting the indices in place must not reorder the fold's own data
        indices, indptr = np.argsort(order)[seen.indices], seen.indptr.copy()
        seen = sp.csr_matrix((seen.data.copy(), indices, indptr), shape=seen.shape)
        seen.sort_indices()
    everyone = np.arange(fold.shape[0]) if users is None else np.asarray(users, dtype=np.int64)

    def one(lo: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = everyone[lo : lo + step]
        block = score_block(rows)
        seen_rows = seen[rows] if seen is not None else None
        if sp.issparse(block):
            cols, vals = top_n_sparse_rows(block, seen_rows, n)
        else:
            cols, vals = top_n_rows(block, seen_rows, n, overwrite=True)
        return rows, (cols if order is None else order[cols]), vals

    starts = range(0, everyone.size, step)
    if workers == 1:
        for lo in starts:
            yield one(lo)
        return
    with thread_limit(1), ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(one, starts)
