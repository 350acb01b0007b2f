import pytest
from scipy import sparse


@pytest.fixture
def forbid_densifying(monkeypatch):
    """Make densifying any sparse matrix with ``n_samples`` rows fail.

    Products of columns (features x features Gram blocks) may be densified;
    nothing with one row per sample may.
    """

    def guarded(original, n_samples):
        def method(self, *args, **kwargs):
            if self.shape[0] == n_samples:
                raise AssertionError("sparse X was densified")
            return original(self, *args, **kwargs)

        return method

    def guard(n_samples):
        for cls in (sparse.csc_matrix, sparse.csr_matrix):
            for name in ("toarray", "todense"):
                monkeypatch.setattr(cls, name, guarded(getattr(cls, name), n_samples))

    return guard
