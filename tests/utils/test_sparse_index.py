import numpy as np
import pytest
from scipy import sparse

from skreg.utils.sparse_index import unsigned_csc_indices


def test_int32_indices_are_viewed_not_copied():
    X = sparse.random(30, 20, density=0.2, format="csc", random_state=0)
    indices, indptr = unsigned_csc_indices(X.indices, X.indptr)
    assert indices.dtype == np.uint32 and indptr.dtype == np.uint32
    assert np.shares_memory(indices, X.indices)
    assert np.shares_memory(indptr, X.indptr)
    np.testing.assert_array_equal(indices, X.indices)
    np.testing.assert_array_equal(indptr, X.indptr)


def test_int64_indices_that_fit_are_narrowed():
    X = sparse.random(30, 20, density=0.2, format="csc", random_state=0)
    indices, indptr = unsigned_csc_indices(X.indices.astype(np.int64),
                                           X.indptr.astype(np.int64))
    assert indices.dtype == np.uint32 and indptr.dtype == np.uint32
    np.testing.assert_array_equal(indices, X.indices)
    np.testing.assert_array_equal(indptr, X.indptr)


def test_empty_matrix():
    X = sparse.csc_matrix((5, 3))
    indices, indptr = unsigned_csc_indices(X.indices.astype(np.int64),
                                           X.indptr.astype(np.int64))
    assert indices.size == 0
    np.testing.assert_array_equal(indptr, [0, 0, 0, 0])


@pytest.mark.parametrize("estimator", ["Lasso", "ElasticNet"])
def test_64_bit_indices_give_the_same_fit(monkeypatch, estimator):
    # matrices past 2**31 entries keep 64-bit indices; the kernels must
    # compile and agree for them too (forced here on a small matrix)
    import skreg
    from skreg.linear_model import _solver

    rng = np.random.default_rng(0)
    X = sparse.random(200, 80, density=0.1, format="csc", random_state=1)
    y = X @ rng.standard_normal(80) + 0.1 * rng.standard_normal(200)
    kwargs = dict(alpha=1e-3, tol=1e-10, max_iter=10_000)
    ref = getattr(skreg, estimator)(**kwargs).fit(X, y)

    def wide(indices, indptr):
        return (indices.astype(np.int64).view(np.uint64),
                indptr.astype(np.int64).view(np.uint64))

    monkeypatch.setattr(_solver, "unsigned_csc_indices", wide)
    got = getattr(skreg, estimator)(**kwargs).fit(X, y)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=0, atol=1e-12)
    assert got.intercept_ == pytest.approx(ref.intercept_, abs=1e-12)
