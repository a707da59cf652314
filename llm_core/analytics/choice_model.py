"""The ranking model behind the leaderboard: each vote is a choice of one answer among the panes shown.

A vote between n panes picks the winner w with probability exp(u_w) / Σ_j exp(u_j) (a conditional logit, the
top-1 case of Plackett–Luce), where a pane's utility u_j is its model's strength plus, under style control,
γ · x_j for the pane's style covariates x_j. With two panes this is exactly the Bradley–Terry model Arena fits.
A tie or "both bad" says no pane was preferred: it counts as a share 1/n of a choice for each pane, which for
two panes is Arena's "half a win each". A best-of-4 vote is thus one observation about four answers, not three
independent wins, and it says nothing about how the three losers compare with each other, which is true to what
the voter said. The model has Luce's choice axiom, so a vote whose pane failed or was left out (a provisional
model) is still a valid choice among the panes that remain.

The fit is Newton's method on the log-likelihood (a step halved while it would lower it). Intervals are
"sandwich" (cluster-robust) ones, each vote its own cluster: the inverse information, corrected by the spread of
each vote's own gradient. Votes that are the same choice (the same models, the same answer chosen, no covariates)
are fitted once with their count as a weight, which changes nothing in the result and makes 200,000 votes between
a few dozen models cost a few thousand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RIDGE = 1e-6  # keeps Newton's steps defined (the strengths' sum-zero freedom, a style feature no vote tells
# apart from the models); moves no rating or coefficient measurably
MAX_STEPS = 100
HALVINGS = 30  # at most this many halvings of a Newton step that would lower the likelihood


@dataclass(frozen=True)
class Choices:
    """Votes as choice sets, one row per pane, the panes of one vote next to each other."""

    vote: np.ndarray  # the vote each pane belongs to, 0..votes-1, non-decreasing
    model: np.ndarray  # the pane's model, 0..models-1
    chosen: np.ndarray  # the pane's share of the choice: 1 for the chosen answer, 0 for the others, 1/n in a tie
    style: np.ndarray  # (panes, covariates) style covariates, zero columns without style control
    weight: np.ndarray  # how many identical votes each vote stands for, per pane

    @property
    def covariates(self) -> int:
        """How many style covariates enter the model."""
        return self.style.shape[1]


@dataclass(frozen=True)
class ChoiceFit:
    """Log-strengths of the models and style coefficients, each with its sandwich standard error; strengths are
    centred so that `centre_weights` average them to zero."""

    strength: np.ndarray
    strength_se: np.ndarray
    style: np.ndarray
    style_se: np.ndarray


def choices(vote: np.ndarray, model: np.ndarray, chosen: np.ndarray, style: np.ndarray | None = None) -> Choices:
    """Choice sets from one row per pane (any order): panes are sorted by vote and votes numbered 0..n-1."""
    vote = np.asarray(vote)
    order = np.argsort(vote, kind="stable") if len(vote) and (np.diff(vote) < 0).any() else np.arange(len(vote))
    style = np.zeros((len(vote), 0)) if style is None else np.asarray(style, dtype=float).reshape(len(vote), -1)
    return Choices(_numbered(vote[order]), model[order], chosen[order].astype(float), style[order], np.ones(len(vote)))


def _numbered(vote: np.ndarray) -> np.ndarray:
    """Sorted vote labels renumbered 0, 1, 2... in order."""
    return np.cumsum(np.r_[False, vote[1:] != vote[:-1]]) if len(vote) else vote.astype(int)


def _starts(vote: np.ndarray) -> np.ndarray:
    """Where each vote's panes start."""
    return np.flatnonzero(np.r_[True, vote[1:] != vote[:-1]]) if len(vote) else np.zeros(0, dtype=int)


def grouped(sets: Choices) -> Choices:
    """The same choices with identical votes fitted once and weighted by their count (only without covariates,
    where two votes with the same panes and the same outcome are the same observation)."""
    if sets.covariates or not len(sets.vote):
        return sets
    outcome = np.unique(sets.chosen, return_inverse=True)[1]
    code = sets.model * (outcome.max() + 1) + outcome + 1  # 0 is left for "no pane here"
    key = sets.vote * (code.max() + 1) + code
    in_order = bool((key[1:] >= key[:-1]).all())  # the leaderboard's panes come sorted by vote, then model
    order = np.arange(len(key)) if in_order else np.argsort(key, kind="stable")  # each vote's panes in one order
    vote, model, chosen, code = sets.vote[order], sets.model[order], sets.chosen[order], code[order]
    starts = _starts(vote)
    sizes = np.diff(np.r_[starts, len(vote)])
    table = np.zeros((len(starts), sizes.max()), dtype=np.int64)
    table[vote, np.arange(len(vote)) - np.repeat(starts, sizes)] = code
    _, first, counts = np.unique(_row_keys(table, int(code.max()) + 1), return_index=True, return_counts=True)
    keep = np.isin(vote, first)
    weight = np.zeros(len(starts))
    weight[first] = counts
    return Choices(_numbered(vote[keep]), model[keep], chosen[keep], sets.style[order][keep], weight[vote[keep]])


def _row_keys(table: np.ndarray, base: int) -> np.ndarray:
    """One sortable key per row of small non-negative integers: a single integer when it fits in 63 bits, else
    the row itself as bytes."""
    if table.shape[1] * np.log2(max(base, 2)) < 62:
        return table @ (base ** np.arange(table.shape[1], dtype=np.int64))
    return np.ascontiguousarray(table).view(np.dtype((np.void, table.dtype.itemsize * table.shape[1]))).ravel()


def _probabilities(utility: np.ndarray, starts: np.ndarray, vote: np.ndarray) -> np.ndarray:
    """Each pane's chance of being chosen within its vote (a softmax per vote)."""
    shifted = np.exp(utility - np.maximum.reduceat(utility, starts)[vote])
    return shifted / np.add.reduceat(shifted, starts)[vote]


@dataclass(frozen=True)
class _Pairs:
    """Every ordered pair of panes (i, j) of the same vote, i = j included: the outer products of each vote's
    per-pane vectors are sums over these. Worked out once per fit: the cell of each pair's two models in a
    models × models matrix, and the weight of its vote."""

    first: np.ndarray
    second: np.ndarray
    cells: np.ndarray
    weight: np.ndarray


def _pairs(sets: Choices, starts: np.ndarray, size: int) -> _Pairs:
    vote = sets.vote
    sizes = np.diff(np.r_[starts, len(vote)])
    first = np.repeat(np.arange(len(vote)), sizes[vote])
    offset = np.arange(len(first)) - np.repeat(np.cumsum(sizes[vote]) - sizes[vote], sizes[vote])
    second = starts[vote[first]] + offset
    return _Pairs(first, second, sets.model[first] * size + sets.model[second], sets.weight[first])


def _outer(sets: Choices, pairs: _Pairs, size: int, values: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """Σ over votes of weight · v v^T, where v = J^T values is a vote's vector over (strengths, covariates) and
    `sums` holds each pane's vote total of values · style (the covariate part of v)."""
    k = sets.covariates
    out = np.zeros((size + k, size + k))
    product = pairs.weight * values[pairs.first] * values[pairs.second]
    out[:size, :size] = np.bincount(pairs.cells, product, size * size).reshape(size, size)
    if k:
        per_vote = sums[_starts(sets.vote)]  # (votes, k)
        vote_weight = sets.weight[_starts(sets.vote)]
        cross = np.stack([np.bincount(sets.model, sets.weight * values * sums[:, c], size) for c in range(k)], 1)
        out[:size, size:], out[size:, :size] = cross, cross.T
        out[size:, size:] = (per_vote * vote_weight[:, None]).T @ per_vote
    return out


def _vote_sums(sets: Choices, values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each pane, its vote's total of values · style."""
    if not sets.covariates:
        return np.zeros((len(values), 0))
    return np.add.reduceat(values[:, None] * sets.style, starts, axis=0)[sets.vote]


def _information(sets: Choices, p: np.ndarray, pairs: _Pairs, starts: np.ndarray, size: int) -> np.ndarray:
    """Minus the Hessian of the log-likelihood: Σ weight · J^T (diag p − p p^T) J over votes."""
    k = sets.covariates
    wp = sets.weight * p
    diagonal = np.zeros((size + k, size + k))
    diagonal[:size, :size] = np.diag(np.bincount(sets.model, wp, size))
    if k:
        cross = np.stack([np.bincount(sets.model, wp * sets.style[:, c], size) for c in range(k)], 1)
        diagonal[:size, size:], diagonal[size:, :size] = cross, cross.T
        diagonal[size:, size:] = (sets.style * wp[:, None]).T @ sets.style
    return diagonal - _outer(sets, pairs, size, p, _vote_sums(sets, p, starts))


def _gradient(sets: Choices, residual: np.ndarray, size: int) -> np.ndarray:
    weighted = sets.weight * residual
    return np.r_[np.bincount(sets.model, weighted, size), sets.style.T @ weighted]


def identified(sets: Choices, size: int) -> np.ndarray:
    """Which covariates the votes can tell apart from the models' strengths and from the covariates before them: a
    feature only some models' answers have, always to the same degree, is the models again, and its coefficient
    would be whatever the fit chose to split with them. Judged by the rank of the information at equal chances,
    which is the rank of the design."""
    k = sets.covariates
    if not k:
        return np.zeros(0, dtype=bool)
    starts = _starts(sets.vote)
    p = _probabilities(np.zeros(len(sets.vote)), starts, sets.vote)
    information = _information(sets, p, _pairs(sets, starts, size), starts, size)
    scale = np.sqrt(np.clip(np.diag(information), 1e-300, None))
    information = information / np.outer(scale, scale)  # unit diagonal, so one tolerance suits every feature

    def rank(columns: list[int]) -> int:
        block = information[np.ix_(columns, columns)]
        return int(np.linalg.matrix_rank(block, tol=1e-9 * np.linalg.norm(block, 2)))

    kept: list[int] = []
    base = rank(list(range(size)))
    for c in range(k):
        if rank([*range(size), *(size + j for j in [*kept, c])]) == base + len(kept) + 1:
            kept.append(c)
    return np.isin(np.arange(k), kept)


def fit_choices(sets: Choices, size: int, centre_weights: np.ndarray) -> ChoiceFit:
    """Strengths of `size` models and style coefficients maximising the likelihood of the choices, with sandwich
    standard errors clustered by vote. Every model must have both been chosen over and passed over by others
    (linked through chains of votes), or its strength has no finite estimate."""
    sets = grouped(sets)
    starts = _starts(sets.vote)
    pairs = _pairs(sets, starts, size)
    k = sets.covariates
    params = np.zeros(size + k)
    if k:  # start from the strengths without style, fitted on the votes grouped: a few Newton steps fewer
        plain = Choices(sets.vote, sets.model, sets.chosen, sets.style[:, :0], sets.weight)
        params[:size] = fit_choices(plain, size, np.ones(size)).strength
    ridge = np.full(size + k, RIDGE)

    def probabilities(params: np.ndarray) -> np.ndarray:
        return _probabilities(params[sets.model] + sets.style @ params[size:], starts, sets.vote)

    def objective(params: np.ndarray, p: np.ndarray) -> float:
        """The penalised log-likelihood: Σ weight · share · log p over the panes chosen, less the ridge."""
        picked = sets.chosen > 0
        return float(sets.weight[picked] @ (sets.chosen[picked] * np.log(p[picked])) - ridge @ params**2 / 2)

    p = probabilities(params)
    value = objective(params, p)
    for _ in range(MAX_STEPS):
        gradient = _gradient(sets, sets.chosen - p, size) - ridge * params
        step = np.linalg.solve(_information(sets, p, pairs, starts, size) + np.diag(ridge), gradient)
        step[:size] -= step[:size].mean()  # no drift along the sum-zero freedom, where rounding is all there is
        for _ in range(HALVINGS):  # the likelihood is concave, but a full Newton step can still overshoot
            trial = params + step
            p_trial = probabilities(trial)
            value_trial = objective(trial, p_trial)
            if value_trial >= value - 1e-12 * abs(value):
                break
            step /= 2
        params, p, value = trial, p_trial, value_trial
        if np.max(np.abs(step)) < 1e-10:
            break
    residual = sets.chosen - p
    spread = _outer(sets, pairs, size, residual, _vote_sums(sets, residual, starts))
    bread = np.linalg.pinv(_information(sets, p, pairs, starts, size))  # the strengths' sum-zero space
    covariance = bread @ spread @ bread
    return _centred(params, covariance, size, centre_weights)


def _centred(params: np.ndarray, covariance: np.ndarray, size: int, centre_weights: np.ndarray) -> ChoiceFit:
    """Strengths shifted so their `centre_weights`-weighted average is zero (utilities depend only on
    differences, so this moves no prediction), with their covariance carried along."""
    weight = centre_weights / centre_weights.sum()
    centring = np.eye(size + len(params) - size)
    centring[:size, :size] -= np.outer(np.ones(size), weight)
    params, covariance = centring @ params, centring @ covariance @ centring.T
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    return ChoiceFit(params[:size], se[:size], params[size:], se[size:])
