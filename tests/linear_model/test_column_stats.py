"""The one-pass column statistics of dense X (means, centered norms, X^T v)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import skreg.linear_model._solver as solver_module
from skreg.linear_model._cd_kernels import dense_column_stats
from skreg.utils import threads


def _reference(X, sw, center, v):
    X = X.astype(np.float64)
    xbar = np.average(X, axis=0, weights=sw) if center else np.zeros(X.shape[1])
    norm2 = (sw[:, None] * (X - xbar) ** 2).sum(axis=0)
    return xbar, norm2, X.T @ v


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("center", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_numpy(weighted, center, dtype):
    rng = np.random.RandomState(0)
    n = 200
    X = rng.randn(n, 6) * [1, 10, 1e-3, 1, 5, 1] + [0, 3, -2, 1e4, 0, 0]
    X[0, 4] = 1e3  # first entry (the shift) far from the column's mean
    X[:, 5] = 7.25  # constant
    X = np.asfortranarray(X.astype(dtype))
    sw = rng.uniform(0.1, 3.0, n) if weighted else np.ones(n)
    v = rng.randn(n)
    xbar, norm2, xv, finite = dense_column_stats(X, sw, weighted, center, v)
    ref_xbar, ref_norm2, ref_xv = _reference(X, sw, center, v)
    assert finite
    np.testing.assert_allclose(xbar, ref_xbar, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(xv, ref_xv, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(norm2[:5], ref_norm2[:5], rtol=1e-11)
    if center:
        assert norm2[5] == 0.0  # exactly: the shift removes a constant column


def test_second_sweep_when_the_shift_cancels():
    # mean 1e6, spread 1, first entry 0: one sweep would keep about 4 of the
    # norm's 16 digits; the second sweep around the mean keeps them all
    rng = np.random.RandomState(1)
    x = 1e6 + rng.randn(1000)
    x[0] = 0.0
    X = np.asfortranarray(x[:, None])
    _, norm2, _, _ = dense_column_stats(X, np.ones(1000), False, True, np.empty(0))
    assert norm2[0] == pytest.approx(np.sum((x - x.mean()) ** 2), rel=1e-13)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_entries_are_reported(bad):
    X = np.ones((10, 3), order="F")
    X[4, 1] = bad
    assert not dense_column_stats(X, np.ones(10), False, True, np.empty(0))[3]


def _exact_centered_norms(X, sw):
    # rational arithmetic on the float entries: the reference has no rounding
    out = []
    for column in X.T:
        w = [Fraction(float(s)) for s in sw]
        x = [Fraction(float(v)) for v in column]
        mean = sum(a * b for a, b in zip(w, x, strict=True)) / sum(w)
        out.append(float(sum(a * (b - mean) ** 2 for a, b in zip(w, x, strict=True))))
    return np.array(out)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), p=st.integers(1, 4), seed=st.integers(0, 2**31),
       scale=st.sampled_from([1e-8, 1.0, 1e8]),
       offset=st.sampled_from([0.0, 1.0, -1e5]), weighted=st.booleans())
def test_centered_norms_property(n, p, seed, scale, offset, weighted):
    # any shift / spread ratio: within a few ulps of the exact centered norm
    rng = np.random.RandomState(seed % 2**31)
    X = np.asfortranarray(offset + scale * rng.standard_t(3, size=(n, p)))
    sw = rng.uniform(0.0, 2.0, n) if weighted else np.ones(n)
    if weighted:
        sw[0] += 0.1  # a positive total
    _, norm2, _, finite = dense_column_stats(X, sw, weighted, True, np.empty(0))
    assert finite
    np.testing.assert_allclose(norm2, _exact_centered_norms(X, sw), rtol=1e-12,
                               atol=1e-300)


@pytest.mark.parametrize("weighted", [False, True])
def test_design_statistics_from_column_blocks(monkeypatch, weighted):
    # the design splits X into column blocks on NUMBA_NUM_THREADS threads;
    # the result must not depend on the split, and a NaN in any block raises
    rng = np.random.RandomState(2)
    X = rng.randn(50, 13) + 3.0
    y = rng.randn(50)
    sw = rng.uniform(0.5, 2.0, 50) if weighted else None

    def stats(n_threads):
        monkeypatch.setattr(threads, "MIN_ENTRIES", 0)
        monkeypatch.setattr(threads.numba.config, "NUMBA_NUM_THREADS", n_threads)
        design = solver_module._make_design(X, sw, True, False, y=y)
        return design.xbar, design.norm2, design.xsy

    for one, three in zip(stats(1), stats(3), strict=True):
        np.testing.assert_allclose(three, one, rtol=1e-14, atol=1e-14)
    X[40, 11] = np.nan  # in the last block
    with pytest.raises(ValueError, match="NaN"):
        solver_module._make_design(X, sw, True, False, y=y)
