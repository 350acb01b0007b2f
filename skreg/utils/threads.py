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


def map_column_blocks(kernel, X, *args):
    """``kernel(X[:, a:b], *args)`` over contiguous column blocks, concurrently.

    One block per allowed thread, or the whole of X when it has fewer than
    :data:`MIN_ENTRIES` entries. Returns the results in block order. The
    kernel must release the GIL (``@njit(nogil=True)``) for the blocks to
    overlap; the calling thread runs the first block itself.
    """
    n_blocks = min(n_threads(), X.shape[1])
    if n_blocks < 2 or X.size < MIN_ENTRIES:
        return [kernel(X, *args)]
    bounds = np.linspace(0, X.shape[1], n_blocks + 1).astype(np.int64)
    pool = _pool(n_blocks - 1, os.getpid())
    futures = [pool.submit(kernel, X[:, a:b], *args)
               for a, b in itertools.pairwise(bounds[1:])]
    first = kernel(X[:, :bounds[1]], *args)
    return [first] + [future.result() for future in futures]
