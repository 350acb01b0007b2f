"""The minibatch gather of the training loop against numpy's fancy indexing."""

import numpy as np
import pytest

from skreg.neural_network._training import _gather_batch


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gather_batch_matches_fancy_indexing(order, dtype):
    rng = np.random.default_rng(0)
    X = np.asarray(rng.standard_normal((50, 7)), dtype=dtype, order=order)
    Y = rng.standard_normal((50, 3)).astype(dtype)
    sw = rng.random(50).astype(dtype)
    idx = rng.permutation(50)[:13]
    Xb = np.full((16, 7), np.nan, dtype=dtype)
    Yb = np.full((16, 3), np.nan, dtype=dtype)
    swb = np.full(16, np.nan, dtype=dtype)
    total = _gather_batch(X, Y, sw, idx, Xb[:13], Yb[:13], swb[:13])
    np.testing.assert_array_equal(Xb[:13], X[idx])
    np.testing.assert_array_equal(Yb[:13], Y[idx])
    np.testing.assert_array_equal(swb[:13], sw[idx])
    assert np.isnan(Xb[13:]).all()  # only the leading rows are written
    assert total == pytest.approx(float(sw[idx].astype(np.float64).sum()), rel=1e-12)
