"""Regularization study on the diabetes data: Lasso, Ridge and elastic net.

Fits skreg's cross-validated LassoCV, RidgeCV and ElasticNetCV on a training
split of scikit-learn's diabetes data, then prints one comparison line per
model: the chosen alpha, the number of features kept, the held-out R^2 and
the fit time. LassoCV is fitted twice, with the minimum-CV-error rule and with
the one-standard-error rule, to show the sparser model the 1-SE rule picks for
almost the same error.

Run with ``python examples/quickstart.py``.
"""

import time

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import KFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skreg import ElasticNetCV, LassoCV, RidgeCV


def main():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    cv = KFold(5, shuffle=True, random_state=0)
    models = {
        "LassoCV (min)": LassoCV(cv=cv, selection_rule="min"),
        "LassoCV (1-SE)": LassoCV(cv=cv, selection_rule="1se"),
        "ElasticNetCV (1-SE)": ElasticNetCV(
            l1_ratio=[0.2, 0.5, 0.8, 1.0], cv=cv, selection_rule="1se"
        ),
        "RidgeCV (LOO)": RidgeCV(alphas=np.logspace(-3, 3, 61)),
    }
    header = f"{'model':<22}{'alpha':>10}{'l1_ratio':>10}{'features':>10}"
    header += f"{'test R^2':>10}{'fit [s]':>9}"
    print(header)
    print("-" * len(header))
    for name, model in models.items():
        pipe = make_pipeline(StandardScaler(), model)
        start = time.perf_counter()
        pipe.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
        fitted = pipe[-1]
        l1_ratio = getattr(fitted, "l1_ratio_", 1.0 if "Lasso" in name else 0.0)
        n_kept = int(np.count_nonzero(fitted.coef_))
        print(
            f"{name:<22}{fitted.alpha_:>10.4g}{l1_ratio:>10.2f}"
            f"{n_kept:>7}/{X.shape[1]:<2}{pipe.score(X_test, y_test):>10.3f}"
            f"{elapsed:>9.3f}"
        )


if __name__ == "__main__":
    main()
