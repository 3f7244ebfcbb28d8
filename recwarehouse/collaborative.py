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
from recwarehouse.hashing import seeded_units
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


class _History:
    """Engagement history in integer codes, for as-of matrices: `history` (user_id, item_id,
    event_week) and more ids that must have a code (`user_ids`, `item_ids`: their codes, in their
    order, are `more_users` and `more_items`). A database scan returns rows in any order: codes
    come from the sorted ids and the rows are put in code order, so sums (and so every float of a
    result) are the same on every run. Every id is hashed once (`pd.factorize`)."""

    def __init__(self, history: pd.DataFrame, user_ids: pd.Series, item_ids: pd.Series) -> None:
        n = len(history)
        user_codes, users = pd.factorize(pd.concat([history["user_id"], user_ids], ignore_index=True), sort=True)
        item_codes, items = pd.factorize(pd.concat([history["item_id"], item_ids], ignore_index=True), sort=True)
        self.users, self.items = pd.Index(users.astype(object)), pd.Index(items.astype(object))
        users, items = user_codes[:n], item_codes[:n]
        self.more_users, self.more_items = user_codes[n:], item_codes[n:]
        weeks = pd.to_datetime(history["event_week"]).to_numpy()
        self.order = np.lexsort((weeks, items, users))
        self._users, self._items, self._weeks = users[self.order], items[self.order], weeks[self.order]

    def decay_weights(self, week: np.datetime64, decay: float) -> np.ndarray:
        """Each row's weight for target week `week`: decay^(T-1-week), so last week counts fully
        (rows of week T or later get weights too; callers keep the rows before T)."""
        age = (week - self._weeks) // np.timedelta64(7, "D")
        return np.power(float(decay), age.astype(np.float64) - 1.0)

    def matrix_before(self, target_week, decay: float) -> sparse.csr_matrix:
        """User x item weights from the weeks before `target_week`: each engaged week counts
        decay^(T-1-week), so last week counts fully."""
        week = np.datetime64(pd.Timestamp(target_week))
        before = self._weeks < week
        weights = self.decay_weights(week, decay)[before]
        return user_item_matrix(self._users[before], self._items[before], weights, len(self.users), len(self.items))


def _rows_by_week(frame: pd.DataFrame) -> list[tuple[pd.Timestamp, np.ndarray]]:
    """(target week, the positions of its rows in `frame`, in frame order), week by week in order."""
    return sorted(frame.groupby("target_week").indices.items())


def as_of_neighbour_scores(history: pd.DataFrame, pairs: pd.DataFrame, decay: float, factors: int = 16) -> pd.DataFrame:
    """Collaborative features of candidate pairs, each target week T read only from weeks <= T-1.

    history: (user_id, item_id, event_week) rows of engagement (one per user, item and week);
    pairs: (target_week, user_id, item_id). A user's weight on an item is its engaged weeks before
    T, each weighted decay^(T-1-week) (last week counts fully). Returns pairs with item-kNN's
    `cf_similarity` (weighted mean cosine similarity of the item to the user's items, the cosine
    taken over every user) and PureSVD's `cf_svd_score` with `factors` latent factors."""
    out = []
    coded = _History(history, pairs["user_id"], pairs["item_id"])
    with thread_limit():
        for target_week, rows in _rows_by_week(pairs):
            week_pairs = pairs.iloc[rows]
            matrix = coded.matrix_before(target_week, decay)
            pair_users, pair_items = coded.more_users[rows], coded.more_items[rows]
            mean = neighbour_scores(matrix, item_cosine(matrix), pair_users, pair_items)
            projected = projection_scores(matrix, item_factors(matrix, factors), pair_users, pair_items)
            features = {"cf_similarity": np.round(mean, 9), "cf_svd_score": np.round(projected, 9)}
            out.append(week_pairs[["target_week", "user_id", "item_id"]].assign(**features))
    if not out:
        return pairs[["target_week", "user_id", "item_id"]].assign(cf_similarity=0.0, cf_svd_score=0.0)
    return pd.concat(out, ignore_index=True)


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


def as_of_collaborative_candidates(history: pd.DataFrame, users: pd.DataFrame, decay: float, n: int) -> pd.DataFrame:
    """ "People who engaged with your trainers also engaged with these": for each target week T and
    user of `users` (target_week, user_id), the `n` items with the best item-kNN score from the
    decayed engagement of weeks <= T-1 (`history`: user_id, item_id, event_week), the cosine taken
    over every user. Users with no history before T get none. Returns target_week, user_id,
    item_id, cf_similarity, cf_rank."""
    columns = ["target_week", "user_id", "item_id", "cf_similarity", "cf_rank"]
    if n <= 0 or history.empty or users.empty:
        types = ["datetime64[us]", object, object, float, int]
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(columns, types, strict=True)})
    coded = _History(history, users["user_id"], pd.Series([], dtype=object))
    out = []
    with thread_limit():
        for target_week, rows in _rows_by_week(users):
            matrix = coded.matrix_before(target_week, decay)
            u, i, score, rank = top_neighbours(matrix, item_cosine(matrix), coded.more_users[rows], n)
            out.append(
                pd.DataFrame(
                    {
                        "target_week": target_week,
                        "user_id": coded.users[u],
                        "item_id": coded.items[i],
                        "cf_similarity": score,
                        "cf_rank": rank,
                    }
                )
            )
    return pd.concat(out, ignore_index=True)[columns]


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


def as_of_click_affinity(
    shown: pd.DataFrame,
    pairs: pd.DataFrame,
    decay: float,
    factors: int,
    regularization: float,
    seed: int,
    max_users: int | None = None,
) -> pd.DataFrame:
    """Click-factorisation features of candidate pairs, each target week T fitted on weeks <= T-1.

    shown: (user_id, item_id, event_week, impressions, clicks), one row per user, item and week
    with impressions; pairs: (target_week, user_id, item_id). Each week counts decay^(T-1-week).
    Returns pairs with `cf_click_affinity` (x_u . y_t: the user's taste for the trainer, beyond
    what the trainer's and the user's overall click rates say) and `cf_click_score` (x_u . y_t +
    the trainer's bias). Weeks are fitted in order, each starting from the week before's factors.
    With more than `max_users` users with rows before T, the trainers are fitted on the max_users
    of them with the smallest seeded hash and the other users of the week's pairs are folded in."""
    names = {"cf_click_affinity": 0.0, "cf_click_score": 0.0}
    if factors == 0 or shown.empty:
        return pairs[["target_week", "user_id", "item_id"]].assign(**names)
    coded = _History(shown, pairs["user_id"], pairs["item_id"])
    impressions = shown["impressions"].to_numpy(dtype=np.float64)[coded.order]
    clicks = shown["clicks"].to_numpy(dtype=np.float64)[coded.order]
    hashed = seeded_units(coded.users, seed) if max_users is not None and len(coded.users) > max_users else None
    out, model = [], None
    with thread_limit():
        for target_week, rows in _rows_by_week(pairs):
            week_pairs = pairs.iloc[rows]
            week = np.datetime64(pd.Timestamp(target_week))
            u, i = coded.more_users[rows], coded.more_items[rows]
            before = coded._weeks < week
            weights = coded.decay_weights(week, decay)
            # the sample: the users with rows before T, or the max_users of them with the smallest
            # seeded hash (so it reads nothing of week T or later either)
            in_sample = np.zeros(len(coded.users), dtype=bool)
            in_sample[coded._users[before]] = True
            if hashed is not None and in_sample.sum() > max_users:
                ranked = np.flatnonzero(in_sample)[np.argsort(hashed[in_sample], kind="stable")]
                in_sample[ranked[max_users:]] = False
            fit = before & in_sample[coded._users]
            if not fit.any():
                out.append(week_pairs[["target_week", "user_id", "item_id"]].assign(**names))
                continue
            outside = np.zeros(len(coded.users), dtype=bool)
            outside[u[~in_sample[u]]] = True
            for rows, fold_in in ((fit, False), (before & outside[coded._users], True)):
                if rows.any():
                    model = click_factorization(
                        coded._users[rows], coded._items[rows], impressions[rows] * weights[rows],
                        clicks[rows] * weights[rows], len(coded.users), len(coded.items), factors, regularization,
                        seed, model, fold_in,
                    )  # fmt: skip
            affinity = np.einsum("ij,ij->i", model.user_factors[u], model.item_factors[i])
            features = {
                "cf_click_affinity": np.round(affinity, 9),
                "cf_click_score": np.round(affinity + model.item_bias[i], 9),
            }
            out.append(week_pairs[["target_week", "user_id", "item_id"]].assign(**features))
    return pd.concat(out, ignore_index=True)


# What the collaborative Python models write, in Spark's DDL (recwarehouse.engine)
COLLABORATIVE_CANDIDATES_SCHEMA = (
    "target_week date, user_id string, trainer_id string, cf_similarity double, cf_rank bigint"
)
COLLABORATIVE_SCORES_SCHEMA = (
    "target_week date, user_id string, trainer_id string, cf_similarity double, cf_svd_score double,"
    " cf_click_affinity double, cf_click_score double"
)
