import threading

import numpy as np
import pytest
from numba import njit

from skreg.utils import threads


@njit(nogil=True, cache=False)
def _column_sums(X, scale):
    return X.sum(axis=0) * scale


def test_blocks_cover_the_columns_in_order(monkeypatch):
    monkeypatch.setattr(threads, "MIN_ENTRIES", 0)
    monkeypatch.setattr(threads.numba.config, "NUMBA_NUM_THREADS", 3)
    X = np.asfortranarray(np.arange(40.0).reshape(4, 10))
    blocks = threads.map_column_blocks(_column_sums, X, 2.0)
    assert [b.size for b in blocks] == [3, 3, 4]
    np.testing.assert_array_equal(np.concatenate(blocks), 2.0 * X.sum(axis=0))


def test_the_calling_thread_runs_one_block_and_a_pool_thread_the_other(monkeypatch):
    monkeypatch.setattr(threads, "MIN_ENTRIES", 0)
    monkeypatch.setattr(threads.numba.config, "NUMBA_NUM_THREADS", 2)
    names = []

    def kernel(X):
        names.append(threading.current_thread().name)
        return X.shape[1]

    assert threads.map_column_blocks(kernel, np.ones((3, 5), order="F")) == [2, 3]
    assert threading.current_thread().name in names
    assert any(name.startswith("skreg") for name in names)


@pytest.mark.parametrize("n_threads, size", [(1, 1 << 22), (2, 100)])
def test_one_block_with_one_thread_or_small_data(monkeypatch, n_threads, size):
    # NUMBA_NUM_THREADS is what joblib's workers lower to avoid oversubscription
    monkeypatch.setattr(threads.numba.config, "NUMBA_NUM_THREADS", n_threads)
    X = np.ones((size // 4, 4), order="F")
    blocks = threads.map_column_blocks(_column_sums, X, 1.0)
    assert len(blocks) == 1
    np.testing.assert_array_equal(blocks[0], X.shape[0])


def test_more_threads_than_columns(monkeypatch):
    monkeypatch.setattr(threads, "MIN_ENTRIES", 0)
    monkeypatch.setattr(threads.numba.config, "NUMBA_NUM_THREADS", 8)
    X = np.asfortranarray(np.arange(6.0).reshape(3, 2))
    blocks = threads.map_column_blocks(_column_sums, X, 1.0)
    assert [b.size for b in blocks] == [1, 1]
