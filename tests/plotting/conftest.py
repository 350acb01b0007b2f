import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def close_figures():
    """Every test starts and ends without open figures."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")
