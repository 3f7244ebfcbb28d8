"""Collaborative filtering on sparse user x item matrices: item-based kNN ("people who engaged
with what you engaged with also engaged with this") and PureSVD (a truncated SVD's item factors).
One implementation for every path that needs it.

Memory is bounded by the item x item similarity (dense, float32: 1,000 items = 4 MB) and a chunk
of scored pairs, never by users x items: the user x item matrix is `scipy.sparse` CSR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import svds

from recwarehouse import thread_limit
from recwarehouse.hashing import seeded_hash
from recwarehouse.interactions.matrix import top_entries_per_row

USER_CHUNK = 4_096  # users per step: USER_CHUNK x items scores (16 MB at 1,000 items)


def user_item_matrix(
    users: np.ndarray, items: np.ndarray, weights: np.ndarray, n_users: int, n_items: int
) -> sparse.csr_matrix:
    """CSR of summed weights; `users` / `items` are integer codes."""
    matrix = sparse.coo_matrix((weights.astype(np.float32), (users, items)), shape=(n_users, n_items))
    return matrix.tocsr()  # duplicates are summed


def item_cosine(matrix: sparse.csr_matrix) -> np.ndarray:
    """Cosine similarity of the item columns (items x items, float32), the diagonal set to 0 (an item
    is not its own neighbour). Items nobody engaged with have similarity 0 to everything."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0)).ravel())
    co = (matrix.T @ matrix).toarray().astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        similarity = co / np.outer(norms, norms)
    similarity[~np.isfinite(similarity)] = 0.0
    np.fill_diagonal(similarity, 0.0)
    return similarity


def _user_chunks(users: np.ndarray, n_users: int):
    """(first user code, positions of the pairs whose user is in the chunk), chunk by chunk."""
    order = np.argsort(users, kind="stable")
    sorted_users = users[order]
    for first in range(0, n_users, USER_CHUNK):
        lo, hi = np.searchsorted(sorted_users, [first, first + USER_CHUNK])
        if hi > lo:
            yield first, order[lo:hi]


def neighbour_scores(
    matrix: sparse.csr_matrix, similarity: np.ndarray, users: np.ndarray, items: np.ndarray
) -> np.ndarray:
    """For each (user, item) pair: the weighted mean similarity of the item to the user's items
    (weights = the user's row); 0 for a user with no history. Users are scored USER_CHUNK at a
    time: their rows times the similarity matrix, read at the pairs' items, so the work grows with
    the engagements and the catalogue, not with pairs x items."""
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    mean = np.zeros(len(users), dtype=np.float64)
    for first, at in _user_chunks(users, matrix.shape[0]):
        weighted = np.asarray(matrix[first : first + USER_CHUNK] @ similarity)[users[at] - first, items[at]]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean[at] = np.where(totals[users[at]] > 0, weighted / totals[users[at]], 0.0)
    return mean


def item_factors(matrix: sparse.csr_matrix, factors: int) -> np.ndarray:
    """The top `factors` right singular vectors of the user x item matrix (items x factors): the
    item side of a truncated SVD (PureSVD), computed on the sparse matrix with a fixed start
    vector, so the same matrix gives the same factors."""
    rank = min(factors, min(matrix.shape) - 1)
    if rank < 1 or matrix.nnz == 0:
        return np.zeros((matrix.shape[1], 0))
    start = np.ones(min(matrix.shape)) / np.sqrt(min(matrix.shape))
    _, _, vt = svds(matrix.astype(np.float64), k=rank, v0=start)
    return vt.T


def projection_scores(
    matrix: sparse.csr_matrix, factors: np.ndarray, users: np.ndarray, items: np.ndarray
) -> np.ndarray:
    """PureSVD: the user's row projected on the item factors and read at the item,
    (r_u V) . v_i, divided by |r_u| so users with long histories do not score higher across the
    board (0 for a user with no history). Chunked by user like `neighbour_scores`."""
    scores = np.zeros(len(users), dtype=np.float64)
    if factors.shape[1] == 0:
        return scores
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    for first, at in _user_chunks(users, matrix.shape[0]):
        projected = np.asarray(matrix[first : first + USER_CHUNK] @ factors)[users[at] - first]
        with np.errstate(divide="ignore", invalid="ignore"):
            dots = (projected * factors[items[at]]).sum(axis=1)
            scores[at] = np.where(norms[users[at]] > 0, dots / norms[users[at]], 0.0)
    return scores


def top_neighbours(matrix: sparse.csr_matrix, similarity: np.ndarray, users: np.ndarray, n: int) -> tuple:
    """Each of `users`' `n` best items by item-kNN (the weighted mean similarity of the item to the
    user's items, as in `neighbour_scores`), items with a score of 0 left out; ties go to the
    smaller item code. Users are scored USER_CHUNK at a time (chunk x items scores in memory).
    Returns (user codes, item codes, scores, 1-based ranks)."""
    out_users, out_items, out_scores, out_ranks = [], [], [], []
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    users = np.unique(users[totals[users] > 0]) if len(users) else users
    for lo in range(0, len(users), USER_CHUNK):
        chunk = users[lo : lo + USER_CHUNK]
        scores = np.asarray(matrix[chunk] @ similarity, dtype=np.float64) / totals[chunk][:, None]
        scores = np.round(scores, 9)  # the same 9 decimals as the features: ties are ties on every run
        order = np.argsort(-scores, axis=1, kind="stable")[:, :n]
        best = np.take_along_axis(scores, order, axis=1)
        keep = best > 0
        rows = np.repeat(np.arange(len(chunk)), order.shape[1]).reshape(order.shape)
        out_users.append(chunk[rows[keep]])
        out_items.append(order[keep])
        out_scores.append(best[keep])
        out_ranks.append(np.broadcast_to(np.arange(1, order.shape[1] + 1), order.shape)[keep])
    if not out_users:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), empty
    return tuple(np.concatenate(a) for a in (out_users, out_items, out_scores, out_ranks))


def item_neighbours(matrix: sparse.csr_matrix, k: int, block_mb: float = 256.0) -> sparse.csr_matrix:
    """Item-item cosine similarity kept sparse: row i holds item i's k most similar other items
    with a similarity above 0 (ties: the smaller item index). Computed a block of items at a time,
    each block's co-occurrences kept sparse and cut to the top k per item by
    `top_entries_per_row`, so work and memory grow with the co-occurring pairs, never with
    items x items."""
    n_items = matrix.shape[1]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=0)).ravel()).astype(np.float32)
    norms[norms == 0] = 1.0
    csr = sparse.csr_matrix(matrix, dtype=np.float32)
    gram_rows = csr.T.tocsr()  # items x users
    block = max(1, int(block_mb * 2**20 // (max(n_items, 1) * 4 * 3)))
    k = min(k, max(n_items - 1, 0))
    rows, cols, vals = [], [], []
    for lo in range(0, n_items if k > 0 else 0, block):
        hi = min(lo + block, n_items)
        slab = sparse.csr_matrix(gram_rows[lo:hi] @ csr)  # (hi - lo) x items co-occurrence, sparse
        item = lo + np.repeat(np.arange(hi - lo), np.diff(slab.indptr))
        slab.data /= norms[item] * norms[slab.indices]
        slab.data[slab.indices == item] = 0.0  # not its own neighbour
        slab.eliminate_zeros()
        r, c, v = top_entries_per_row(slab, k)
        rows.append(r + lo)
        cols.append(c)
        vals.append(v)
    if not rows:
        return sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    out = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_items, n_items), dtype=np.float32
    )
    out.sort_indices()
    return out


# ----- click factorisation: taste seen through what people clicked out of what they were shown -----

CLICK_ITERATIONS = 300  # full-batch Adam steps of a fit from scratch
# ... of a fit that starts from the previous target week's factors (40 steps cost 2.5x less, but put
# large-s303 at 87.5% of the oracle in a build against 89.2% with 100)
CLICK_WARM_ITERATIONS = 100
CLICK_LEARNING_RATE = 0.05
CLICK_USER_BIAS_REGULARIZATION = 0.1  # L2 on the user biases (the factors take `regularization`)
# a fold-in solves each user's own problem by Newton's method (`_fold_in_users`): at most this many
# steps, stopping once no user's parameters move by more than the tolerance
CLICK_FOLD_IN_MAX_STEPS = 50
CLICK_FOLD_IN_TOLERANCE = 1e-10
CLICK_FOLD_IN_BLOCK_PAIRS = 1_000_000  # pairs per block of users solved together (bounds the memory)


@dataclass(frozen=True)
class ClickModel:
    """P(click | u shown t) = sigmoid(intercept + user_bias[u] + item_bias[t] + user_factors[u] .
    item_factors[t])."""

    user_factors: np.ndarray
    item_factors: np.ndarray
    user_bias: np.ndarray
    item_bias: np.ndarray
    intercept: float


def click_factorization(
    users: np.ndarray,
    items: np.ndarray,
    shown: np.ndarray,
    clicked: np.ndarray,
    n_users: int,
    n_items: int,
    factors: int,
    regularization: float,
    seed: int,
    start: ClickModel | None = None,
    fold_in: bool = False,
) -> ClickModel:
    """Logistic matrix factorisation of clicks out of impressions: `clicked` of `shown` (weights,
    e.g. decayed counts) for each (user, item) row, a binomial log-likelihood with L2
    `regularization` on the factors, fitted by full-batch Adam.

    Unlike a factorisation of engagement alone (PureSVD, ALS), it sees what a user was shown and
    passed over, so what the platform chose to show (goal matches, popular trainers) is not taken
    for taste. Rows are summed per pair. Only the users and items with rows are fitted; the others
    keep `start`'s values (0 without a start). The fit starts from `start` (the previous target
    week's fit: fewer steps), or from a seeded draw. `fold_in` keeps the items (and the intercept)
    as `start` has them and fits only the users: new users against trainers fitted on others, each
    user's factors and bias solved exactly (`_fold_in_users`). Memory grows with the pairs, never
    users x items."""
    if fold_in and start is None:
        raise ValueError("a fold-in needs the fitted items (start)")
    key = users.astype(np.int64) * n_items + items
    pairs, at = np.unique(key, return_inverse=True)
    n = np.bincount(at, shown, pairs.size)
    c = np.minimum(np.bincount(at, clicked, pairs.size), n)
    fitted_users, u = np.unique(pairs // n_items, return_inverse=True)
    fitted_items, i = np.unique(pairs % n_items, return_inverse=True)
    overall = float(np.log((c.sum() + 1.0) / (n.sum() - c.sum() + 1.0)))  # the smoothed overall click logit
    if start is None:
        rng = np.random.default_rng(seed)
        full = [np.zeros((n_users, factors)), np.zeros((n_items, factors)), np.zeros(n_users), np.zeros(n_items)]
        params = [rng.normal(0, 0.1, (fitted_users.size, factors)), rng.normal(0, 0.1, (fitted_items.size, factors))]
        params += [np.zeros(fitted_users.size), np.zeros(fitted_items.size)]
        intercept = overall
        steps = CLICK_ITERATIONS
    else:
        full = [p.copy() for p in (start.user_factors, start.item_factors, start.user_bias, start.item_bias)]
        params = [full[0][fitted_users], full[1][fitted_items], full[2][fitted_users], full[3][fitted_items]]
        intercept = start.intercept if fold_in else overall
        steps = CLICK_WARM_ITERATIONS
    x, y, bu, bi = params
    if fold_in:
        x, bu = _fold_in_users(u, np.take(y, i, axis=0), intercept + np.take(bi, i), n, c, x, bu, regularization)
        full[0][fitted_users], full[2][fitted_users] = x, bu
        return ClickModel(*full, intercept)
    by_user = sparse.csr_matrix((np.ones(pairs.size), (u, i)), shape=(fitted_users.size, fitted_items.size))
    by_item = sparse.csr_matrix((np.arange(1.0, pairs.size + 1), (i, u)), shape=(fitted_items.size, fitted_users.size))
    to_item_order = by_item.data.astype(np.int64) - 1  # pairs are in (user, item) order, as by_user's data
    first, second = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        # np.take, not fancy indexing: the same values, and a row gather of (pairs x factors) is
        # about 7x faster (2M pairs x 4 factors: 6.8 ms against 51 ms), once per pair and step
        z = intercept + np.take(bu, u) + np.take(bi, i)
        z += np.einsum("ij,ij->i", np.take(x, u, axis=0), np.take(y, i, axis=0))
        residual = n / (1.0 + np.exp(-z)) - c  # d(-log-likelihood) / dz
        by_user.data = residual
        by_item.data = np.take(residual, to_item_order)
        grads = [
            by_user @ y + regularization * x,
            by_item @ x + regularization * y,
            np.bincount(u, residual, fitted_users.size) + CLICK_USER_BIAS_REGULARIZATION * bu,
            np.bincount(i, residual, fitted_items.size),
        ]
        for j in range(4):
            p, g, m, v = params[j], grads[j], first[j], second[j]
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= CLICK_LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    full[0][fitted_users], full[1][fitted_items], full[2][fitted_users], full[3][fitted_items] = x, y, bu, bi
    return ClickModel(*full, intercept)


def _fold_in_users(
    u: np.ndarray,
    item_factors: np.ndarray,
    offset: np.ndarray,
    shown: np.ndarray,
    clicked: np.ndarray,
    x: np.ndarray,
    bias: np.ndarray,
    regularization: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each user's factors and bias against fixed items: the minimum of the user's own binomial
    log-loss plus the L2 terms, by Newton's method with step halving, so the loss never rises.

    One row per (user, item) pair, in user order (`u`: non-decreasing codes 0..users-1, every
    code with at least one pair), with the item's factors, the fixed part of the logit (intercept +
    item bias: `offset`), and the shown and clicked weights. `x` and `bias` are where the users
    start. A user's problem has factors + 1
    parameters and is strictly convex (the L2 terms), so a few Newton steps (a small linear solve
    per user) reach the one minimum that 100 full-batch gradient steps only approach: a fold-in
    costs a few passes over the pairs, the same minimum whatever the start. Users are solved in
    blocks of about CLICK_FOLD_IN_BLOCK_PAIRS pairs, which bounds the memory."""
    n_users, factors = x.shape
    width = factors + 1
    upper = np.triu_indices(width)
    ridge = np.append(np.full(factors, float(regularization)), CLICK_USER_BIAS_REGULARIZATION)
    theta = np.column_stack([x, bias]).astype(np.float64)
    starts = np.searchsorted(u, np.arange(n_users + 1))  # each user's first pair (pairs are in user order)
    first_user = 0
    while first_user < n_users:
        # the users whose pairs fit in one block (at least one user, however many pairs they have)
        fits = np.searchsorted(starts, starts[first_user] + CLICK_FOLD_IN_BLOCK_PAIRS, side="right") - 1
        last_user = min(n_users, max(first_user + 1, int(fits)))
        lo, hi = starts[first_user], starts[last_user]
        theta[first_user:last_user] = _newton_block(
            u[lo:hi] - first_user,
            np.column_stack([item_factors[lo:hi], np.ones(hi - lo)]),
            offset[lo:hi], shown[lo:hi], clicked[lo:hi], theta[first_user:last_user], ridge, upper,
        )  # fmt: skip
        first_user = last_user
    return theta[:, :factors], theta[:, factors]


def _newton_block(users, features, offset, shown, clicked, theta, ridge, upper):
    """`_fold_in_users` on one block: `users` are codes 0..len(theta)-1 in order, each with at
    least one pair (a fold-in fits only users with rows), `features` the pairs' (item factors, 1)
    rows."""
    n_users, width = theta.shape
    segments = np.searchsorted(users, np.arange(n_users))  # each user's first pair
    products = features[:, upper[0]] * features[:, upper[1]]  # the Hessian's upper triangle, per pair

    def per_user(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values, segments, axis=0)

    def logits_and_losses(at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = offset + np.einsum("ij,ij->i", features, np.take(at, users, axis=0))
        return z, per_user(shown * np.logaddexp(0.0, z) - clicked * z) + 0.5 * (ridge * at * at).sum(axis=1)

    theta = theta.copy()
    z, loss = logits_and_losses(theta)
    for _ in range(CLICK_FOLD_IN_MAX_STEPS):
        p = 1.0 / (1.0 + np.exp(-z))
        gradient = per_user(features * (shown * p - clicked)[:, None]) + ridge * theta
        hessian = np.zeros((n_users, width, width))
        hessian[:, upper[0], upper[1]] = per_user(products * (shown * p * (1.0 - p))[:, None])
        hessian[:, upper[1], upper[0]] = hessian[:, upper[0], upper[1]]
        hessian[:, np.arange(width), np.arange(width)] += ridge
        step = np.linalg.solve(hessian, gradient[:, :, None])[:, :, 0]
        scale = np.ones(n_users)
        for _ in range(30):  # halve the step of every user whose loss would rise
            trial = theta - scale[:, None] * step
            trial_z, trial_loss = logits_and_losses(trial)
            worse = trial_loss > loss + 1e-12 * (1.0 + np.abs(loss))  # rounding is not a rise
            if not worse.any():
                break
            scale[worse] *= 0.5
        else:  # users still worse after 30 halvings stay where they are
            trial = np.where(worse[:, None], theta, trial)
            trial_z, trial_loss = logits_and_losses(trial)
        moved = np.abs(trial - theta).max(initial=0.0)
        theta, z, loss = trial, trial_z, trial_loss
        if moved <= CLICK_FOLD_IN_TOLERANCE:
            break
    return theta


# ----- as of each target week: fitted on a bounded sample of users, every candidate scored apart -----
#
# The models of a target week T (item-kNN's similarity, PureSVD's item factors, the click model's
# trainer side and its sampled users' factors) are fitted on the driver from the rows before T of
# the week's sample of users (`week_samples`: at most a set number, by seeded hash). The candidates
# are scored a group of users at a time (`score_candidates`, `find_candidates`), each group from its
# own users' rows and the fitted models, so the work that grows with the candidates and the users
# runs where the rows are (on Spark, on the executors) and the driver holds only the sample.


class _History:
    """Weekly rows (user_id, item_id, event_week and the number columns `columns`) in integer
    codes: users by `users`, items by `items` (sorted ids), the rows put in (user, item, week)
    order, so sums (and so every float of a result) are the same whatever order the rows came in."""

    def __init__(self, rows: pd.DataFrame, users: pd.Index, items: pd.Index, columns: tuple[str, ...]) -> None:
        self.users, self.items = users, items
        user_codes = users.get_indexer(rows["user_id"])
        item_codes = items.get_indexer(rows["item_id"])
        if (item_codes < 0).any():
            unknown = rows["item_id"][item_codes < 0].head(3).tolist()
            raise ValueError(f"collaborative features: trainers missing from the fitted catalogue: {unknown}")
        weeks = pd.to_datetime(rows["event_week"]).to_numpy().astype("datetime64[us]")
        order = np.lexsort((weeks, item_codes, user_codes))
        self.user_codes, self.item_codes, self.weeks = user_codes[order], item_codes[order], weeks[order]
        self.columns = {name: rows[name].to_numpy(dtype=np.float64)[order] for name in columns}

    def decay_weights(self, week: np.datetime64, decay: float) -> np.ndarray:
        """Each row's weight for target week `week`: decay^(T-1-week), so last week counts fully
        (rows of week T or later get weights too; callers keep the rows before T)."""
        age = (week - self.weeks) // np.timedelta64(7, "D")
        return np.power(float(decay), age.astype(np.float64) - 1.0)

    def matrix(self, rows: np.ndarray, week: np.datetime64, decay: float) -> sparse.csr_matrix:
        """User x item decayed weights of the rows `rows` (a mask of rows before `week`)."""
        weights = self.decay_weights(week, decay)[rows]
        return user_item_matrix(self.user_codes[rows], self.item_codes[rows], weights, len(self.users), len(self.items))


def _week(value) -> np.datetime64:
    return np.datetime64(pd.Timestamp(value), "us")


def _ids(values) -> pd.Index:
    """Ids, distinct and sorted, as an object index (the codes of a frame's ids)."""
    return pd.Index(sorted(pd.unique(np.asarray(values, dtype=object))), dtype=object)


def week_samples(rows: pd.DataFrame, target_weeks, max_users: int | None, seed: int) -> pd.DataFrame:
    """Who fits week T's models: the users with a row before T or, with more than `max_users` of
    them, the `max_users` with the smallest seeded hash (`recwarehouse.hashing.seeded_hash`, ties
    by id), so the sample reads nothing of week T or later. Returns (target_week, user_id). The
    rule of `SAMPLE_SQL`, which finds the same sample where the rows are."""
    first = rows.groupby("user_id")["event_week"].min()
    first_weeks = pd.to_datetime(first).to_numpy().astype("datetime64[us]")
    users = first.index.to_numpy(dtype=object)
    order = np.lexsort((users.astype(str), np.array([seeded_hash(u, seed) for u in users], dtype=object)))
    out = [pd.DataFrame({"target_week": pd.Series(dtype="datetime64[us]"), "user_id": pd.Series(dtype=object)})]
    for target_week in sorted(pd.unique(pd.to_datetime(pd.Series(target_weeks)))):
        known = order[first_weeks[order] < _week(target_week)]
        if max_users is not None:
            known = known[:max_users]
        out.append(pd.DataFrame({"target_week": target_week, "user_id": users[known]}))
    return pd.concat(out, ignore_index=True)


# `week_samples` in SQL, for the engine's `sql`: {weekly} the users' weekly rows, {weeks} a table
# of target weeks, {hash} the engine's seeded hash of first_seen.user_id, {max_users} the cap
SAMPLE_SQL = """
with first_seen as (
    select user_id, min(event_week) as first_week from {weekly} group by user_id
),
ranked as (
    select
        weeks.target_week,
        first_seen.user_id,
        row_number() over (partition by weeks.target_week order by {hash}, first_seen.user_id) as position
    from (select distinct target_week from {weeks}) as weeks
    inner join first_seen on first_seen.first_week < weeks.target_week
)
select target_week, user_id from ranked where position <= {max_users}
"""


# every weekly row of the users, as the group tables of `score_candidates` and `find_candidates`
# hold them (part 'history'), for the engine's `sql` ({weekly}: the weekly rows); a model puts its
# asking rows (part 'pair' or 'user') before it, with `union all`
HISTORY_SQL = """
select
    'history' as part, cast(null as date) as target_week, user_id, trainer_id as item_id, event_week,
    is_engaged, cast(impressions as double) as impressions, cast(clicks as double) as clicks
from {weekly}
"""
SAMPLED_ROWS = ["user_id", "trainer_id as item_id", "event_week", "is_engaged", "impressions", "clicks"]


def read_sample(data, weekly, weeks, max_users: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the driver reads to fit the models, on either engine (`recwarehouse.engine`): each
    target week's sample (`SAMPLE_SQL` over `weekly`, the weekly rows, and `weeks`, a table with
    a target_week column), at most `max_users` users a week, and the sampled users' weekly rows
    (`SAMPLED_ROWS`). Returns (sample, rows)."""
    query = SAMPLE_SQL.replace("{hash}", data.seeded_hash("first_seen.user_id", seed))
    sample = data.sql(query.replace("{max_users}", str(int(max_users))), weekly=weekly, weeks=weeks)
    members = data.read(sample, ["target_week", "user_id"], order="target_week, user_id")
    sampled = data.sql(
        "select * from {weekly} where user_id in (select user_id from {sample})", weekly=weekly, sample=sample
    )
    return members, data.read(sampled, SAMPLED_ROWS, order="user_id, item_id, event_week")


@dataclass(frozen=True)
class WeekModels:
    """The collaborative models of one target week, fitted on its sample: item-kNN's item x item
    cosine (float32; None when not asked for), PureSVD's item factors (items x factors), and the
    click model (None when off or with nobody shown anything) over the users it fitted
    (`click_users`: their ids, row for row with the model's user factors)."""

    similarity: np.ndarray | None
    svd: np.ndarray
    click: ClickModel | None
    click_users: pd.Index


@dataclass(frozen=True)
class CollaborativeModels:
    """Every target week's models, over the catalogue `items` (sorted ids); what the scoring of a
    group of users needs besides its rows (so it is what Spark ships to the executors)."""

    items: pd.Index
    weeks: dict
    decay: float
    regularization: float

    def week(self, target_week) -> WeekModels:
        return self.weeks[_week(target_week)]


def fit_collaborative(
    rows: pd.DataFrame,
    sample: pd.DataFrame,
    items,
    target_weeks,
    decay: float,
    factors: int = 0,
    click_factors: int = 0,
    regularization: float = 0.0,
    seed: int = 0,
    neighbours: bool = True,
) -> CollaborativeModels:
    """Each target week's models, fitted on the week's sample (`sample`: target_week, user_id)
    from the sampled users' rows before T. `rows`: weekly rows (user_id, item_id, event_week,
    is_engaged, impressions, clicks; other users' rows are left out); `items`: every item that will
    be scored (the catalogue).

    Item-kNN and PureSVD read the engaged rows, each week counting decay^(T-1-week) (last week
    fully); the click factorisation reads impressions and clicks weighted alike, week after week
    in order, each fit starting from the week before's (`click_factorization`). `neighbours` False
    leaves the similarity out; 0 factors turn PureSVD or the click model off."""
    items = _ids(items)
    users = _ids(sample["user_id"])
    coded = _History(rows[rows["user_id"].isin(users)], users, items, ("is_engaged", "impressions", "clicks"))
    engaged, shown = coded.columns["is_engaged"] > 0, coded.columns["impressions"] > 0
    members = dict(sorted(sample.groupby("target_week").indices.items()))
    codes = users.get_indexer(sample["user_id"])
    weeks, click = {}, None
    with thread_limit():
        for target_week in sorted(pd.unique(pd.to_datetime(pd.Series(target_weeks)))):
            week = _week(target_week)
            in_sample = np.zeros(len(users), dtype=bool)
            in_sample[codes[members.get(pd.Timestamp(target_week), [])]] = True
            before = (coded.weeks < week) & in_sample[coded.user_codes]
            matrix = coded.matrix(before & engaged, week, decay)
            similarity = item_cosine(matrix) if neighbours else None
            svd = item_factors(matrix, factors)
            fitted = before & shown
            if click_factors <= 0 or not fitted.any():
                weeks[week] = WeekModels(similarity, svd, None, pd.Index([], dtype=object))
                continue
            weights = coded.decay_weights(week, decay)[fitted]
            click = click_factorization(
                coded.user_codes[fitted], coded.item_codes[fitted], coded.columns["impressions"][fitted] * weights,
                coded.columns["clicks"][fitted] * weights, len(users), len(items), click_factors, regularization,
                seed, click,
            )  # fmt: skip
            with_rows = np.unique(coded.user_codes[fitted])
            week_click = ClickModel(
                click.user_factors[with_rows], click.item_factors, click.user_bias[with_rows], click.item_bias,
                click.intercept,
            )  # fmt: skip
            weeks[week] = WeekModels(similarity, svd, week_click, pd.Index(users[with_rows], dtype=object))
    return CollaborativeModels(items, weeks, float(decay), float(regularization))


def _split(rows: pd.DataFrame, part: str, models: CollaborativeModels) -> tuple:
    """(the rows of `part`, in their order; the users' weekly rows, coded; the users)."""
    mine = (rows["part"] == part).to_numpy()
    users = _ids(rows["user_id"])
    history = _History(rows[~mine], users, models.items, ("is_engaged", "impressions", "clicks"))
    return rows[mine].reset_index(drop=True), history, users


def score_candidates(models: CollaborativeModels, rows: pd.DataFrame) -> pd.DataFrame:
    """The collaborative features of a group of users' candidate pairs, from the users' own rows
    and each week's fitted models. `rows`: the pairs (part 'pair': target_week, user_id, item_id)
    and every weekly row of the same users (part 'history': user_id, item_id, event_week,
    is_engaged, impressions, clicks). Returns the pairs, in their order, with

    - cf_similarity: item-kNN, the weighted mean similarity of the item to the user's items
      (`neighbour_scores`, the user's decayed engagement before T);
    - cf_svd_score: PureSVD, the user's row projected on the item factors (`projection_scores`);
    - cf_click_affinity (x_u . y_t) and cf_click_score (x_u . y_t + the trainer's bias): x_u is a
      sampled user's fitted factors; another user with impressions before T is folded in against
      the week's trainers (each user's own problem solved exactly, `_fold_in_users`); a user with
      none has x_u = 0;

    each rounded to 9 decimals (ties are ties on every run and engine)."""
    pairs, coded, users = _split(rows, "pair", models)
    engaged, shown = coded.columns["is_engaged"] > 0, coded.columns["impressions"] > 0
    u, i = users.get_indexer(pairs["user_id"]), models.items.get_indexer(pairs["item_id"])
    if (i < 0).any():
        unknown = pairs["item_id"][i < 0].head(3).tolist()
        raise ValueError(f"collaborative features: trainers missing from the fitted catalogue: {unknown}")
    names = ("cf_similarity", "cf_svd_score", "cf_click_affinity", "cf_click_score")
    features = {name: np.zeros(len(pairs)) for name in names}
    with thread_limit():
        for target_week, at in sorted(pairs.groupby("target_week").indices.items()):
            week, fitted = _week(target_week), models.week(target_week)
            before = coded.weeks < week
            matrix = coded.matrix(before & engaged, week, models.decay)
            if fitted.similarity is not None:
                features["cf_similarity"][at] = neighbour_scores(matrix, fitted.similarity, u[at], i[at])
            features["cf_svd_score"][at] = projection_scores(matrix, fitted.svd, u[at], i[at])
            if fitted.click is None:
                continue
            x = np.zeros((len(users), fitted.click.user_factors.shape[1]))
            known = fitted.click_users.get_indexer(users)
            x[known >= 0] = fitted.click.user_factors[known[known >= 0]]
            fold = before & shown & (known[coded.user_codes] < 0) & np.isin(coded.user_codes, u[at])
            if fold.any():
                weights = coded.decay_weights(week, models.decay)[fold]
                start = ClickModel(x, fitted.click.item_factors, np.zeros(len(users)), fitted.click.item_bias,
                                   fitted.click.intercept)  # fmt: skip
                x = click_factorization(
                    coded.user_codes[fold], coded.item_codes[fold], coded.columns["impressions"][fold] * weights,
                    coded.columns["clicks"][fold] * weights, len(users), len(models.items), x.shape[1],
                    models.regularization, 0, start, fold_in=True,
                ).user_factors  # fmt: skip
            affinity = np.einsum("ij,ij->i", x[u[at]], fitted.click.item_factors[i[at]])
            features["cf_click_affinity"][at] = affinity
            features["cf_click_score"][at] = affinity + fitted.click.item_bias[i[at]]
    out = pairs[["target_week", "user_id", "item_id"]].copy()
    for name in names:
        out[name] = np.round(features[name], 9)
    return out


def find_candidates(models: CollaborativeModels, rows: pd.DataFrame, n: int) -> pd.DataFrame:
    """ "People who engaged with your trainers also engaged with these": for a group of users, each
    (target_week, user_id) of part 'user' gets the `n` items with the best item-kNN score
    (`top_neighbours`) from its decayed engagement before T (the users' weekly rows, part
    'history') and the week's similarity. Users with no engagement before T get none. Returns
    target_week, user_id, item_id, cf_similarity, cf_rank."""
    wanted, coded, users = _split(rows, "user", models)
    engaged = coded.columns["is_engaged"] > 0
    out = [empty_candidates()]
    with thread_limit():
        for target_week, at in sorted(wanted.groupby("target_week").indices.items()):
            week = _week(target_week)
            matrix = coded.matrix((coded.weeks < week) & engaged, week, models.decay)
            asked = users.get_indexer(wanted["user_id"].iloc[at])
            u, i, score, rank = top_neighbours(matrix, models.week(target_week).similarity, asked, n)
            out.append(
                pd.DataFrame(
                    {"target_week": target_week, "user_id": users[u], "item_id": models.items[i],
                     "cf_similarity": score, "cf_rank": rank}
                )
            )  # fmt: skip
    return pd.concat(out, ignore_index=True)


def empty_candidates() -> pd.DataFrame:
    """No candidates, in the columns and types of `find_candidates`."""
    types = {"target_week": "datetime64[us]", "user_id": object, "item_id": object, "cf_similarity": float}
    return pd.DataFrame({name: pd.Series(dtype=kind) for name, kind in {**types, "cf_rank": "int64"}.items()})


class CollaborativeScorer:
    """`score_candidates` with its fitted models, for the engine's `map_groups` (shipped to the
    executors on Spark)."""

    def __init__(self, models: CollaborativeModels) -> None:
        self.models = models

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        return score_candidates(self.models, rows).rename(columns={"item_id": "trainer_id"})


class CandidateFinder:
    """`find_candidates` with its fitted models and list length, for the engine's `map_groups`."""

    def __init__(self, models: CollaborativeModels, n: int) -> None:
        self.models, self.n = models, n

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        return find_candidates(self.models, rows, self.n).rename(columns={"item_id": "trainer_id"})


# ----- the same on pandas frames, in one process (the functions the tests check by hand) -----


def _as_rows(frame: pd.DataFrame, engaged: bool) -> pd.DataFrame:
    """Weekly rows with every column `fit_collaborative` reads."""
    out = frame.assign(is_engaged=engaged) if "is_engaged" not in frame else frame
    for name in ("impressions", "clicks"):
        if name not in out:
            out = out.assign(**{name: 0.0})
    return out


def _with_history(part: pd.DataFrame, name: str, rows: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([part.assign(part=name), rows.assign(part="history")], ignore_index=True)


def as_of_neighbour_scores(history: pd.DataFrame, pairs: pd.DataFrame, decay: float, factors: int = 16) -> pd.DataFrame:
    """Item-kNN's `cf_similarity` and PureSVD's `cf_svd_score` (`factors` factors) of candidate
    pairs (target_week, user_id, item_id), each target week T fitted on every user's engagement
    before T (`history`: user_id, item_id, event_week, one row per user, item and week), each week
    weighted decay^(T-1-week). Returns the pairs in their order."""
    rows = _as_rows(history, True)
    sample = week_samples(rows, pairs["target_week"], None, 0)
    items = pd.concat([history["item_id"], pairs["item_id"]])
    models = fit_collaborative(rows, sample, items, pairs["target_week"], decay, factors)
    scored = score_candidates(models, _with_history(pairs[["target_week", "user_id", "item_id"]], "pair", rows))
    return scored[["target_week", "user_id", "item_id", "cf_similarity", "cf_svd_score"]]


def as_of_collaborative_candidates(history: pd.DataFrame, users: pd.DataFrame, decay: float, n: int) -> pd.DataFrame:
    """`find_candidates` for every (target_week, user_id) of `users`, the similarity of week T
    taken over every user's engagement before T (`history`: user_id, item_id, event_week)."""
    if n <= 0 or history.empty or users.empty:
        return empty_candidates()
    rows = _as_rows(history, True)
    sample = week_samples(rows, users["target_week"], None, 0)
    models = fit_collaborative(rows, sample, history["item_id"], users["target_week"], decay)
    return find_candidates(models, _with_history(users[["target_week", "user_id"]], "user", rows), n)


def as_of_click_affinity(
    shown: pd.DataFrame,
    pairs: pd.DataFrame,
    decay: float,
    factors: int,
    regularization: float,
    seed: int,
    max_users: int | None = None,
) -> pd.DataFrame:
    """The click factorisation's `cf_click_affinity` and `cf_click_score` of candidate pairs, each
    target week T fitted on the rows before T (`shown`: user_id, item_id, event_week,
    impressions, clicks) of the week's sample (`week_samples`, at most `max_users`), the other
    users of the pairs folded in (`score_candidates`). Returns the pairs in their order."""
    rows = _as_rows(shown, False)
    sample = week_samples(rows, pairs["target_week"], max_users, seed)
    items = pd.concat([shown["item_id"], pairs["item_id"]])
    models = fit_collaborative(
        rows, sample, items, pairs["target_week"], decay, 0, factors, regularization, seed, neighbours=False
    )
    scored = score_candidates(models, _with_history(pairs[["target_week", "user_id", "item_id"]], "pair", rows))
    return scored[["target_week", "user_id", "item_id", "cf_click_affinity", "cf_click_score"]]


# What the collaborative Python models write, in Spark's DDL (recwarehouse.engine)
COLLABORATIVE_CANDIDATES_SCHEMA = (
    "target_week date, user_id string, trainer_id string, cf_similarity double, cf_rank bigint"
)
COLLABORATIVE_SCORES_SCHEMA = (
    "target_week date, user_id string, trainer_id string, cf_similarity double, cf_svd_score double,"
    " cf_click_affinity double, cf_click_score double"
)
