"""Column blocks of a dense array on a few threads, for ``nogil`` kernels.

A pass over a large dense X that a compiled kernel makes on one core (column
means and norms) runs near twice as fast on two: one thread alone does not
saturate the memory bus. numba's own ``parallel=True`` is not used: its
default threading layer aborts the process when two Python threads launch
parallel kernels at once, which joblib's threading backend does.

The thread count is numba's setting, ``NUMBA_NUM_THREADS`` (by default the
number of CPUs); joblib's process workers lower it, so nested parallelism does
not oversubscribe the cores.
"""

import functools
import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

# below this many entries the pass takes well under a millisecond and a
# thread hand-off would be a large part of it
MIN_ENTRIES = 1 << 20


def n_threads():
    """Threads the compiled passes may use (``NUMBA_NUM_THREADS``)."""
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


@functools.cache
def _pool(n_workers, pid):
    # one pool per process: after a fork the parent's worker threads are gone
    return ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="skreg")


def map_ranges(fn, n_items, n_entries):
    """``fn(a, b)`` over contiguous ranges ``[a, b)`` of ``range(n_items)``.

    One range per allowed thread, or one range in all when the work
    (``n_entries`` array entries) is below :data:`MIN_ENTRIES`. Returns the
    results in range order. ``fn`` must spend its time in code that releases
    the GIL (``@njit(nogil=True)`` kernels, BLAS) for the ranges to overlap;
    the calling thread runs the first range itself.
    """
    n_ranges = min(n_threads(), n_items)
    if n_ranges < 2 or n_entries < MIN_ENTRIES:
        return [fn(0, n_items)]
    bounds = np.linspace(0, n_items, n_ranges + 1).astype(np.int64)
    pool = _pool(n_ranges - 1, os.getpid())
    futures = [pool.submit(fn, a, b) for a, b in itertools.pairwise(bounds[1:])]
    first = fn(0, bounds[1])
    return [first] + [future.result() for future in futures]


def map_column_blocks(kernel, X, *args):
    """``kernel(X[:, a:b], *args)`` over contiguous column blocks, concurrently
    (see :func:`map_ranges`)."""
    return map_ranges(lambda a, b: kernel(X[:, a:b], *args), X.shape[1], X.size)
