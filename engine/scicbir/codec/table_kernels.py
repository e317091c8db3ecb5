"""The entropy coder's probability tables, compiled: the numpy definition's very bits, faster.

``entropy.build_cdfs`` defines a latent's integer table by a chain of numpy operations on the
mixture's normal CDF values (mixed in component order, normalised by their sum, scaled to the
frequency budget, floored, the remainder given to the most likely symbol). In numpy each step
makes a temporary as large as all the tables of a call, and on a 64 px tile building the tables
was the largest part of entropy decoding (1.75 of 4.5 ms per tile, ``scicbir-rgb-aid`` at its
highest rate point). ``mixture_tables`` builds each table in one pass with numba, reading the CDF
values straight from ``NormalCdfTable``, about 3x faster.

The decoder must rebuild the encoder's tables exactly, and streams written by the numpy path
must still decode, so every floating-point operation is the numpy chain's, in its order:
``w0 * d0``, then ``+ w_k * d_k`` (two roundings each; numba, without ``fastmath``, does not fuse
them), ``pmf / total * budget`` and the floor; the sum of a row is numpy's pairwise summation
(``pairwise_sum``, the algorithm of numpy's ``add.reduce`` on a contiguous row: eight
accumulators over blocks of up to 128 values, halves split on multiples of 8 above that), not a
plain loop. ``tests/codec/test_table_kernels.py`` checks the bits against the numpy path.

Compiled on first use in a process (about 1.3 s) and cached where numba finds a writable
place (beside this file, else the user's cache folder), so later processes load it in
milliseconds; where there is none (a read-only install run by a user without a home folder)
each process compiles it anew instead of failing.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: numpy's pairwise summation block (``PW_BLOCKSIZE`` in numpy's loops).
_BLOCK = 128


def _compiled(function):
    """``function`` compiled by numba, its machine code cached when numba has somewhere to put
    it (numba refuses ``cache=True`` outright where it has not)."""
    try:
        return numba.njit(nogil=True, cache=True)(function)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True)(function)


@_compiled
def _block_sum(values: np.ndarray, start: int, count: int) -> float:
    """numpy's sum of at most ``_BLOCK`` contiguous values."""
    if count < 8:
        total = 0.0
        for i in range(count):
            total += values[start + i]
        return total
    r0 = values[start]
    r1 = values[start + 1]
    r2 = values[start + 2]
    r3 = values[start + 3]
    r4 = values[start + 4]
    r5 = values[start + 5]
    r6 = values[start + 6]
    r7 = values[start + 7]
    i = 8
    stop = count - count % 8
    while i < stop:
        r0 += values[start + i]
        r1 += values[start + i + 1]
        r2 += values[start + i + 2]
        r3 += values[start + i + 3]
        r4 += values[start + i + 4]
        r5 += values[start + i + 5]
        r6 += values[start + i + 6]
        r7 += values[start + i + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < count:
        total += values[start + i]
        i += 1
    return total


@_compiled
def pairwise_sum(values: np.ndarray, start: int, count: int) -> float:
    """Sum of ``values[start:start + count]`` exactly as numpy's ``add.reduce`` sums a
    contiguous row (same association, hence the same bits).

    numpy recurses above ``_BLOCK`` values (left half, a multiple of 8, plus right half);
    this walks the same tree with an explicit stack (numba's cache cannot reload a recursive
    function: the process crashes)."""
    if count <= _BLOCK:
        return _block_sum(values, start, count)
    depth = 128  # far more than the tree of any array's length needs
    task_start = np.empty(depth, np.int64)
    task_count = np.empty(depth, np.int64)  # -1: add the two sums on top of the value stack
    sums = np.empty(depth)
    tasks, done = 1, 0
    task_start[0], task_count[0] = start, count
    while tasks:
        tasks -= 1
        s, c = task_start[tasks], task_count[tasks]
        if c < 0:
            done -= 1
            sums[done - 1] = sums[done - 1] + sums[done]
        elif c <= _BLOCK:
            sums[done] = _block_sum(values, s, c)
            done += 1
        else:
            half = c // 2
            half -= half % 8
            task_count[tasks] = -1  # runs after both halves
            task_start[tasks + 1], task_count[tasks + 1] = s + half, c - half
            task_start[tasks + 2], task_count[tasks + 2] = s, half  # popped first: left
            tasks += 3
    return sums[0]


@_compiled
def mixture_tables(
    cdf_values: np.ndarray, bases: np.ndarray, weights: np.ndarray, symbols: int, total: int
) -> np.ndarray:
    """Integer CDFs ``(L, symbols + 2)`` (the last entry: the escape symbol's end, ``total``).

    ``cdf_values``: the flat ``NormalCdfTable`` values; ``bases`` (K, L): where component k of
    latent l finds its ``symbols + 1`` edge values, consecutive; ``weights`` (K, L): snapped
    mixture weights. Each symbol gets frequency >= 1, the escape exactly 1, all ``total``.
    """
    components, latents = bases.shape
    out = np.empty((latents, symbols + 2), np.int64)
    pmf = np.empty(symbols)
    freq = np.empty(symbols, np.int64)
    budget = float(total - 1 - symbols)
    for latent in range(latents):
        base = bases[0, latent]
        weight = weights[0, latent]
        for s in range(symbols):
            pmf[s] = weight * (cdf_values[base + s + 1] - cdf_values[base + s])
        for k in range(1, components):
            base = bases[k, latent]
            weight = weights[k, latent]
            for s in range(symbols):
                pmf[s] = pmf[s] + weight * (cdf_values[base + s + 1] - cdf_values[base + s])
        mass = pairwise_sum(pmf, 0, symbols)
        if mass <= 0:
            mass = 1.0
        assigned = 0
        likeliest = 0
        for s in range(symbols):
            f = np.int64(math.floor(pmf[s] / mass * budget)) + 1
            freq[s] = f
            assigned += f
            if pmf[s] > pmf[likeliest]:  # the first maximum, as np.argmax
                likeliest = s
        freq[likeliest] += (total - 1) - assigned
        out[latent, 0] = 0
        running = 0
        for s in range(symbols):
            running += freq[s]
            out[latent, s + 1] = running
        out[latent, symbols + 1] = total
    return out
