"""RegularizationPathDisplay: content of the drawn path, not just that it runs."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.datasets import load_diabetes, make_classification

import skreg as lm
from skreg.plotting import RegularizationPathDisplay


@pytest.fixture(scope="module")
def diabetes():
    X, y = load_diabetes(return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(n_samples=120, n_features=6, n_informative=3,
                               random_state=0)
    return X, y


def test_from_path_draws_one_line_per_coefficient_and_counts_nonzeros():
    alphas = np.array([1.0, 0.3, 0.1, 0.03])
    coefs = np.array([[0.0, 0.5, 1.0, 1.2],
                      [0.0, 0.0, -0.3, -0.5],
                      [0.0, 0.0, 0.0, 0.1]])
    disp = RegularizationPathDisplay.from_path(alphas, coefs, alpha_min=0.1,
                                               alpha_1se=0.3)
    assert len(disp.lines_) == 3
    assert_allclose(disp.lines_[1].get_ydata(), coefs[1])
    assert_allclose(disp.lines_[1].get_xdata(), alphas)
    assert disp.ax_.get_xscale() == "log"
    assert disp.ax_.get_xlabel().startswith("alpha")
    assert disp.ax_.get_ylabel() == "coefficient"
    assert disp.ax_nonzero_.get_ylabel() == "non-zero coefficients"
    assert_allclose(disp.nonzero_line_.get_ydata(), [0, 1, 2, 3])
    assert disp.mark_lines_["alpha_min"].get_xdata()[0] == 0.1
    assert disp.mark_lines_["alpha_1se"].get_xdata()[0] == 0.3
    assert disp.figure_ is disp.ax_.figure
    # Legend holds the three coefficients and the two marks.
    assert len(disp.ax_.get_legend().get_texts()) == 5


def test_from_path_three_dimensional_coefs_counts_feature_used_by_any_row():
    alphas = np.geomspace(1, 0.01, 4)
    coefs = np.zeros((3, 2, 4))
    coefs[0, 0, 1:] = 1.0  # feature 0 enters at the 2nd alpha through class 0
    coefs[2, 1, 3] = -1.0  # feature 1 enters at the last alpha through class 2
    disp = RegularizationPathDisplay.from_path(alphas, coefs, x_axis="C")
    assert len(disp.lines_) == 6
    assert_allclose(disp.nonzero_line_.get_ydata(), [0, 1, 1, 2])
    assert disp.ax_.get_xlabel().startswith("C")


def test_plot_reuses_given_axes():
    import matplotlib.pyplot as plt

    _, ax = plt.subplots()
    disp = RegularizationPathDisplay.from_path([1.0, 0.1], [[0.0, 1.0]], ax=ax)
    assert disp.ax_ is ax


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"alphas": [1.0, -0.1], "coefs": [[0, 1]]}, "positive"),
        ({"alphas": [1.0, np.nan], "coefs": [[0, 1]]}, "positive"),
        ({"alphas": [], "coefs": np.zeros((1, 0))}, "empty"),
        ({"alphas": [1.0, 0.1], "coefs": [[0, 1, 2]]}, "shape"),
        ({"alphas": [1.0, 0.1], "coefs": [[0, np.inf]]}, "NaN or infinite"),
        ({"alphas": [1.0, 0.1], "coefs": [[0, 1]], "feature_names": ["a", "b"]},
         "feature_names"),
        ({"alphas": [1.0, 0.1], "coefs": [[0, 1]], "x_axis": "lambda"}, "x_axis"),
    ],
)
def test_from_path_bad_input_gives_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RegularizationPathDisplay.from_path(**kwargs)


def test_lasso_path_starts_at_alpha_max_and_matches_single_fits(diabetes):
    X, y = diabetes
    est = lm.Lasso(tol=1e-10, max_iter=100_000)
    disp = RegularizationPathDisplay.from_estimator(est, X, y, n_alphas=20)
    alphas = disp.alphas
    # Top of the default grid: the smallest alpha with an all-zero solution.
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / len(y)
    assert_allclose(alphas[0], alpha_max, rtol=1e-12)
    assert_allclose(alphas[-1], alpha_max * 1e-3, rtol=1e-12)
    assert np.all(np.diff(alphas) < 0)
    assert disp.nonzero_line_.get_ydata()[0] == 0
    assert disp.nonzero_line_.get_ydata()[1] > 0
    assert len(disp.lines_) == X.shape[1]
    # Warm-started refits give the same coefficients as independent fits.
    for k in (3, 12, 19):
        ref = lm.Lasso(alpha=alphas[k], tol=1e-10, max_iter=100_000).fit(X, y)
        path_coef = np.array([line.get_ydata()[k] for line in disp.lines_])
        assert_allclose(path_coef, ref.coef_, rtol=1e-5, atol=1e-6)
    # L1 selects: the number of non-zero coefficients grows as alpha decreases
    # (allowing rare exits, it ends with more than it starts).
    counts = disp.nonzero_line_.get_ydata()
    assert counts[-1] >= counts[len(counts) // 2] > counts[0]


def test_elastic_net_path_uses_its_l1_ratio(diabetes):
    X, y = diabetes
    disp = RegularizationPathDisplay.from_estimator(
        lm.ElasticNet(l1_ratio=0.25), X, y, n_alphas=10
    )
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / (len(y) * 0.25)
    assert_allclose(disp.alphas[0], alpha_max, rtol=1e-12)
    assert disp.nonzero_line_.get_ydata()[0] == 0


def test_ridge_path_shrinks_without_zeros(diabetes):
    X, y = diabetes
    alphas = np.geomspace(1e3, 1e-3, 15)
    disp = RegularizationPathDisplay.from_estimator(lm.Ridge(), X, y, alphas=alphas)
    assert_allclose(disp.alphas, alphas)
    # L2 never zeroes a coefficient, and the norm grows as alpha decreases.
    assert np.all(disp.nonzero_line_.get_ydata() == X.shape[1])
    coefs = np.array([line.get_ydata() for line in disp.lines_])
    norms = np.linalg.norm(coefs, axis=0)
    assert np.all(np.diff(norms) > 0)
    ref = lm.Ridge(alpha=alphas[4]).fit(X, y)
    assert_allclose(coefs[:, 4], ref.coef_, rtol=1e-6)


def test_user_alphas_are_sorted_strong_to_weak(diabetes):
    X, y = diabetes
    disp = RegularizationPathDisplay.from_estimator(
        lm.Lasso(), X, y, alphas=[0.1, 1.0, 0.01]
    )
    assert_allclose(disp.alphas, [1.0, 0.1, 0.01])


def test_feature_names_from_dataframe(diabetes):
    pd = pytest.importorskip("pandas")
    X, y = diabetes
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    disp = RegularizationPathDisplay.from_estimator(lm.Lasso(), df, y, n_alphas=5)
    assert [line.get_label() for line in disp.lines_] == list(df.columns)


def test_lasso_cv_marks_its_chosen_alphas(diabetes):
    X, y = diabetes
    cv_model = lm.LassoCV(cv=3, alphas=30).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(cv_model, X, y)
    # The path is drawn on the CV grid.
    assert_allclose(np.sort(disp.alphas), np.sort(cv_model.alphas_))
    marks = disp.mark_lines_
    if hasattr(cv_model, "alpha_1se_"):
        assert marks["alpha_min"].get_xdata()[0] == pytest.approx(cv_model.alpha_min_)
        assert marks["alpha_1se"].get_xdata()[0] == pytest.approx(cv_model.alpha_1se_)
        assert cv_model.alpha_1se_ >= cv_model.alpha_min_
    else:
        assert marks["alpha_min"].get_xdata()[0] == pytest.approx(cv_model.alpha_)


def test_unfitted_cv_estimator_is_fitted_on_a_clone(diabetes):
    X, y = diabetes
    cv_model = lm.ElasticNetCV(l1_ratio=0.5, cv=3, alphas=10)
    disp = RegularizationPathDisplay.from_estimator(cv_model, X, y)
    assert not hasattr(cv_model, "alphas_")
    assert "alpha_min" in disp.mark_lines_
    assert len(disp.alphas) == 10


def test_logistic_path_against_c_and_inverse_c(binary):
    X, y = binary
    est = lm.LogisticRegression(l1_ratio=1.0, tol=1e-8)
    disp = RegularizationPathDisplay.from_estimator(est, X, y, n_alphas=8)
    assert disp.ax_.get_xlabel().startswith("C ")
    Cs = disp.alphas
    assert np.all(np.diff(Cs) > 0)
    # At the critical C the L1 model is empty; at 1000x it uses features.
    assert disp.nonzero_line_.get_ydata()[0] == 0
    assert disp.nonzero_line_.get_ydata()[-1] > 0
    inv = RegularizationPathDisplay.from_estimator(est, X, y, n_alphas=8, x_axis="1/C")
    assert inv.ax_.get_xlabel().startswith("1/C")
    assert_allclose(inv.alphas, 1.0 / Cs)
    assert_allclose(inv.nonzero_line_.get_ydata(), disp.nonzero_line_.get_ydata())


def test_x_axis_must_match_the_estimator(diabetes, binary):
    X, y = diabetes
    with pytest.raises(ValueError, match="C-parametrized"):
        RegularizationPathDisplay.from_estimator(lm.Lasso(), X, y, x_axis="C")
    Xb, yb = binary
    with pytest.raises(ValueError, match="x_axis"):
        RegularizationPathDisplay.from_estimator(
            lm.LogisticRegression(), Xb, yb, x_axis="alpha"
        )


def test_estimator_without_strength_parameter_is_rejected(diabetes):
    from sklearn.linear_model import LinearRegression

    X, y = diabetes
    with pytest.raises(TypeError, match="neither an 'alpha' nor a 'C'"):
        RegularizationPathDisplay.from_estimator(LinearRegression(), X, y)


def test_bad_user_alphas(diabetes):
    X, y = diabetes
    with pytest.raises(ValueError, match="positive"):
        RegularizationPathDisplay.from_estimator(lm.Lasso(), X, y, alphas=[1.0, 0.0])


def test_plotting_imports_matplotlib_lazily_and_skreg_does_not_import_plotting():
    code = (
        "import sys, skreg, skreg.linear_model, skreg.neural_network\n"
        "assert 'skreg.plotting' not in sys.modules, 'skreg imports skreg.plotting'\n"
        "import skreg.plotting\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported eagerly'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_multinomial_logistic_path_draws_one_line_per_class_and_feature():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    disp = RegularizationPathDisplay.from_estimator(
        lm.LogisticRegression(l1_ratio=1.0), X, y, n_alphas=6
    )
    assert len(disp.lines_) == 3 * X.shape[1]
    assert disp.lines_[X.shape[1]].get_label() == "x0 [1]"
    counts = disp.nonzero_line_.get_ydata()
    assert counts[0] == 0 and counts[-1] == X.shape[1]


def test_sparse_input_gives_the_dense_path(diabetes):
    from scipy import sparse

    X, y = diabetes
    dense = RegularizationPathDisplay.from_estimator(lm.Lasso(tol=1e-10), X, y,
                                                    n_alphas=8)
    csr = RegularizationPathDisplay.from_estimator(
        lm.Lasso(tol=1e-10), sparse.csr_matrix(X), y, n_alphas=8
    )
    assert_allclose(csr.alphas, dense.alphas, rtol=1e-12)
    for a, b in zip(csr.lines_, dense.lines_, strict=True):
        assert_allclose(a.get_ydata(), b.get_ydata(), rtol=1e-6, atol=1e-8)


def test_elastic_net_cv_with_several_ratios_uses_the_chosen_ratio_grid(diabetes):
    X, y = diabetes
    cv_model = lm.ElasticNetCV(l1_ratio=[0.2, 0.9], cv=3, alphas=8).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(cv_model, X, y)
    chosen = [0.2, 0.9].index(cv_model.l1_ratio_)
    assert_allclose(disp.alphas, cv_model.alphas_[chosen])
    # The path is the elastic net at the chosen ratio: empty at its alpha_max.
    assert disp.nonzero_line_.get_ydata()[0] == 0
    assert disp.nonzero_line_.get_ydata()[1] > 0


def test_ridge_cv_marks_its_alpha(diabetes):
    X, y = diabetes
    cv_model = lm.RidgeCV(alphas=[0.01, 0.1, 1.0, 10.0]).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(cv_model, X, y)
    assert_allclose(disp.alphas, [10.0, 1.0, 0.1, 0.01])
    assert disp.mark_lines_["alpha_min"].get_xdata()[0] == cv_model.alpha_


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_logistic_default_grid_starts_at_the_critical_c(binary, l1_ratio):
    X, y = binary
    est = lm.LogisticRegression(l1_ratio=l1_ratio, tol=1e-8)
    disp = RegularizationPathDisplay.from_estimator(est, X, y, n_alphas=4, eps=0.5)
    c_crit = l1_ratio / np.max(np.abs(X.T @ (y - y.mean())))
    assert_allclose(disp.alphas[0], c_crit, rtol=1e-12)
    assert disp.nonzero_line_.get_ydata()[0] == 0
    # Just above the critical C the model is no longer empty.
    assert disp.nonzero_line_.get_ydata()[1] > 0


def test_logistic_cv_with_default_l1_ratios_draws_its_l2_path(binary):
    # LogisticRegressionCV() keeps the legacy l1_ratio_ = [None]: an L2 path,
    # on the CV grid of C, with the chosen C marked.
    X, y = binary
    cv_model = lm.LogisticRegressionCV(Cs=5, cv=3).fit(X, y)
    assert np.ravel(cv_model.l1_ratio_)[0] is None
    disp = RegularizationPathDisplay.from_estimator(cv_model, X, y)
    assert_allclose(np.sort(disp.alphas), np.sort(cv_model.Cs_))
    assert disp.mark_lines_["alpha_min"].get_xdata()[0] == pytest.approx(cv_model.C_[0])
    # L2 only: no coefficient is exactly zero anywhere on the path
    assert np.all(disp.nonzero_line_.get_ydata() == X.shape[1])


def test_logistic_path_points_are_the_estimator_fitted_at_each_C():
    # a warm start at the default tol stalled at weak regularization (flat
    # objective): the L2 path of the standardized breast-cancer data stayed
    # at a largest coefficient of 9.9 from C=200 to 1e4 (a fit there: 106)
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    est = lm.LogisticRegression(max_iter=1000)
    disp = RegularizationPathDisplay.from_estimator(est, X, y, alphas=[1e-2, 1e2, 1e4])
    for k, C in enumerate(disp.alphas):
        single = lm.LogisticRegression(C=C, max_iter=1000).fit(X, y).coef_[0]
        assert_allclose(disp.coefs[:, k], single)


def test_sklearn_logistic_cv_with_its_default_parameters():
    # scikit-learn 1.9's LogisticRegressionCV() has l1_ratios='warn'
    from sklearn.linear_model import LogisticRegressionCV as SkLogisticRegressionCV

    X, y = make_classification(n_samples=120, n_features=5, random_state=0)
    with pytest.warns(FutureWarning):
        cv_model = SkLogisticRegressionCV(Cs=4, cv=3).fit(X, y)
    disp = RegularizationPathDisplay.from_estimator(cv_model, X, y)
    assert np.all(disp.nonzero_line_.get_ydata() == X.shape[1])  # an L2 path


def test_default_grid_starts_empty_with_penalty_factors_and_class_weights(binary):
    # the generic start ignored penalty factors and class weights: the first
    # point of the path had a non-zero coefficient
    X, y = binary
    pf = np.linspace(0.2, 3.0, X.shape[1])
    for est in (lm.LogisticRegression(l1_ratio=1.0, class_weight="balanced"),
                lm.LogisticRegression(l1_ratio=1.0, penalty_factor=pf)):
        disp = RegularizationPathDisplay.from_estimator(est, X, y, n_alphas=4)
        assert disp.nonzero_line_.get_ydata()[0] == 0
    Xd, yd = load_diabetes(return_X_y=True)
    pf = np.linspace(0.2, 3.0, Xd.shape[1])
    disp = RegularizationPathDisplay.from_estimator(
        lm.Lasso(penalty_factor=pf), Xd, yd, n_alphas=4)
    assert disp.nonzero_line_.get_ydata()[0] == 0
    assert disp.nonzero_line_.get_ydata()[1] > 0
