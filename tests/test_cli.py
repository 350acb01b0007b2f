"""End-to-end tests of ``skreg study``: the table, the files, the bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")

from skreg.cli import main  # noqa: E402


def run_cli(capsys, *args):
    code = main(["study", "--quiet", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def mixed_csv(tmp_path):
    """A small classification table with a categorical column and gaps."""
    rng = np.random.default_rng(0)
    n = 120
    x1, x2 = rng.normal(size=(2, n))
    color = rng.choice(["red", "green", "blue"], size=n)
    logit = 2 * x1 - x2 + (color == "red")
    label = np.where(logit + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    frame = pd.DataFrame({"x1": x1, "x2": x2, "color": color, "label": label})
    frame.loc[3, "x2"] = np.nan
    frame.loc[5, "color"] = np.nan
    frame.loc[7, "label"] = np.nan
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    return path


def _assert_png(path):
    import matplotlib.image

    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


def test_builtin_dataset_default_study(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, _ = run_cli(capsys, "--cv", 3, "--out", out)
    assert code == 0
    for label in ("Lasso (L1)", "Ridge (L2)", "Elastic net", "MLP"):
        assert label in stdout
    assert "regression on diabetes" in stdout

    payload = json.loads((out / "results.json").read_text())
    assert payload["data"]["source"] == "diabetes"
    assert payload["data"]["n_samples"] == 442
    assert payload["scoring"] == "r2"
    names = [m["model"] for m in payload["models"]]
    assert names == ["lasso", "ridge", "elasticnet", "mlp"]
    for model in payload["models"]:
        assert set(model) >= {"best_params", "cv_score_mean", "cv_score_std",
                              "train_score_mean", "generalization_gap",
                              "n_nonzero"}
        gap = model["train_score_mean"] - model["cv_score_mean"]
        assert model["generalization_gap"] == pytest.approx(gap)
        # diabetes is learnable: every tuned model explains some variance
        assert 0.3 < model["cv_score_mean"] < 0.7
    lasso = payload["models"][0]
    assert 0 < lasso["n_nonzero"] <= 10 and lasso["n_coefficients"] == 10
    assert payload["models"][3]["n_nonzero"] is None
    assert payload["best_model"] in names

    csv = pd.read_csv(out / "results.csv")
    assert list(csv["model"]) == names
    for name in names:
        _assert_png(out / f"validation_curve_{name}.png")
    for name in ("lasso", "ridge", "elasticnet"):
        _assert_png(out / f"regularization_path_{name}.png")
    _assert_png(out / "training_history_mlp.png")
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 8
    assert "Lasso (L1)" in page


def test_csv_classification_with_categories_and_gaps(mixed_csv, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(capsys, mixed_csv, "--target", "label",
                                   "--models", "lasso,logistic", "--cv", 3,
                                   "--out", out)
    assert code == 0, stderr
    assert "dropped 1 rows with a missing target" in stderr
    assert "2 missing feature values will be imputed" in stderr
    assert "classification on" in stdout
    payload = json.loads((out / "results.json").read_text())
    assert payload["scoring"] == "accuracy"
    assert payload["data"]["categorical_columns"] == ["color"]
    assert payload["data"]["n_samples"] == 119
    by_name = {m["model"]: m for m in payload["models"]}
    assert by_name["lasso"]["best_params"]["l1_ratio"] == 1.0
    # 2 numeric + 3 one-hot columns reach the model
    assert by_name["logistic"]["n_coefficients"] == 5
    assert by_name["logistic"]["cv_score_mean"] > 0.7


def test_parquet_file_gives_the_csv_result(mixed_csv, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    parquet = tmp_path / "mixed.parquet"
    pd.read_csv(mixed_csv).to_parquet(parquet)
    payloads = []
    for path in (mixed_csv, parquet):
        out = tmp_path / path.suffix[1:]
        code, _, stderr = run_cli(capsys, path, "--target", "label",
                                  "--models", "ridge", "--cv", 3, "--out", out)
        assert code == 0, stderr
        payloads.append(json.loads((out / "results.json").read_text()))
    csv_model, parquet_model = (p["models"][0] for p in payloads)
    assert csv_model["best_params"] == parquet_model["best_params"]
    assert csv_model["cv_score_mean"] == pytest.approx(parquet_model["cv_score_mean"])


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, ["missing.csv", "--target", "y"], "data file not found"),
        ("", ["--target", "y"], "data file is empty"),
        ("a,b,y\n1,2,3\n", ["--target", "nope"], "target column 'nope' not found"),
        ("a,y\n" + "".join(f"{i},1\n" for i in range(20)),
         ["--target", "y", "--task", "classification"], "single class"),
        ("a,b,y\n" + "".join(f"{i},,{i % 3}.5\n" for i in range(20)),
         ["--target", "y"], "columns with no values at all (drop them first): b"),
        ("a,y\n" + "".join(f"{i},{'uv'[i % 2]}\n" for i in range(20)),
         ["--target", "y", "--task", "regression"], "is not numeric"),
        ("a,y\n" + "".join(f"{i},{'cd'[i % 2] if i else 'b'}\n" for i in range(20)),
         ["--target", "y", "--cv", "3"], "class 'b' of target 'y' has only 1 rows"),
        ("a,y\n" + "".join(f"{i},{min(i, 5)}\n" for i in range(20)),
         ["--target", "y"], "(lower --cv; or --task regression if it is a quantity)"),
        ("a,y\n" + "".join(f"{i},{i}e300\n" for i in range(20)),
         ["--target", "y", "--task", "regression"], "too large to square in float64"),
        ("a,b,y\n" + "".join(f"{i},{i}e200,{i}\n" for i in range(20)),
         ["--target", "y", "--task", "regression"], "too large to standardize"),
        ("a,y\n" + "".join(f"{i},{i * 0.7}\n" for i in range(30)),
         ["--target", "y", "--scoring", "accuracy"],
         "scoring 'accuracy' is a classification metric"),
        ("a,y\n" + "".join(f"{i},{'uv'[i % 2]}\n" for i in range(30)),
         ["--target", "y", "--scoring", "r2"], "scoring 'r2' is a regression metric"),
        ("a,y\n" + "".join(f"{i},{'uvw'[i % 3]}\n" for i in range(30)),
         ["--target", "y", "--scoring", "f1"],
         "scoring 'f1' cannot score this classification target: Target is multiclass"),
        ("a,y\n" + "".join(f"{i},{i * 0.7}\n" for i in range(30)),
         ["--target", "y", "--seed", "-1"], "--seed must be between 0 and 2**32 - 1"),
        ("a,y\n" + "".join(f"{i},{i * 0.7}\n" for i in range(30)),
         ["--target", "y", "--n-jobs", "0"], "--n-jobs must not be 0"),
    ],
    ids=["missing-file", "empty-file", "unknown-target", "one-class",
         "all-nan-column", "non-numeric-regression", "rare-class-label",
         "integer-target-hint", "huge-target", "huge-feature",
         "classification-scoring-on-regression", "regression-scoring-on-labels",
         "binary-scoring-on-multiclass", "negative-seed", "zero-jobs"],
)
def test_bad_input_exits_with_message(tmp_path, capsys, content, args, message):
    if content is not None:
        path = tmp_path / "data.csv"
        path.write_text(content)
        args = [path, *args]
    else:
        args = [tmp_path / args[0], *args[1:]]
    code, _stdout, stderr = run_cli(capsys, *args, "--out", tmp_path / "out")
    assert code == 2
    assert stderr.startswith("skreg: error: ")
    assert "Traceback" not in stderr
    assert message in stderr


def test_unknown_model_family_is_named(tmp_path, capsys):
    code, _, stderr = run_cli(capsys, "--models", "lasso,bogus", "--out", tmp_path)
    assert code == 2
    assert "unknown model family bogus" in stderr


def test_module_entry_point_reports_errors_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "skreg", "study", str(tmp_path / "none.csv"),
         "--target", "y"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "data file not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_output_path_is_checked_before_the_study(tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_text("a,y\n" + "".join(f"{i},{i * 0.7}\n" for i in range(30)))
    code, stdout, stderr = run_cli(capsys, data, "--target", "y", "--out", data)
    assert code == 2
    assert f"--out {data} exists and is not a directory" in stderr
    assert stdout == ""  # nothing was fitted


def test_text_column_with_a_stray_value_is_reported(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    frame = pd.DataFrame({"x": x.astype(object), "y": 3 * x})
    frame.loc[4, "x"] = "oops"
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    code, _, stderr = run_cli(capsys, path, "--target", "y", "--models", "ridge",
                              "--cv", 3, "--out", tmp_path / "out")
    assert code == 0
    assert ("warning: column 'x' is numeric except for 1 value(s) ('oops'), so it "
            "is treated as categorical") in stderr


def test_many_classes_keep_a_stratified_early_stopping_split(tmp_path, capsys):
    # 12 classes of 6 rows: the MLP's default 10 % validation split of a
    # training fold cannot hold every class; the study widens it.
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(12), 6)
    frame = pd.DataFrame({"a": y + rng.normal(size=72), "b": rng.normal(size=72),
                          "y": y})
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    code, stdout, stderr = run_cli(capsys, path, "--target", "y", "--models", "mlp",
                                   "--cv", 3, "--out", tmp_path / "out")
    assert code == 0, stderr
    assert "MLP" in stdout


def test_mlp_early_stopping_adapts_to_the_smallest_class():
    from skreg._study.data import StudyData
    from skreg._study.families import FAMILIES
    from skreg._study.runner import Settings

    mlp = FAMILIES["mlp"]

    def data(y):
        return StudyData(X=None, y=np.asarray(y), task="classification", source="t",
                         target="y", numeric_columns=[], categorical_columns=[])

    # plenty of rows: scikit-learn's default 10 %
    assert mlp._early_stopping(data(np.repeat([0, 1], 100)), Settings(("mlp",), cv=5)) \
        == (True, 0.1)
    # 12 classes, 57 training rows: 13 of them held out
    on, fraction = mlp._early_stopping(data(np.repeat(np.arange(12), 6)),
                                       Settings(("mlp",), cv=5))
    assert on and fraction == pytest.approx(13 / 57)
    # two rows a class and 2 folds: one row a class in training, no split
    tiny = data(np.repeat(np.arange(3), 2))
    assert mlp._early_stopping(tiny, Settings(("mlp",), cv=2)) == (False, 0.1)
    assert "early stopping is off" in mlp.notes(tiny, Settings(("mlp",), cv=2))[0]


def test_nan_scores_never_win_and_json_stays_strict(tmp_path):
    from types import SimpleNamespace

    from skreg._study.report import _strict_json, best_model_name

    results = [SimpleNamespace(name="a", cv_score_mean=float("nan")),
               SimpleNamespace(name="b", cv_score_mean=0.5)]
    assert best_model_name(results) == "b"
    assert best_model_name(results[:1]) is None
    payload = {"x": [np.float64("nan"), np.inf, 1.5, np.int64(2)]}
    text = json.dumps(_strict_json(payload), allow_nan=False)
    assert json.loads(text) == {"x": [None, None, 1.5, 2]}


def test_nullable_and_date_columns_from_parquet(tmp_path, capsys):
    # pandas' NA in a string column crashed the imputer ("boolean value of NA
    # is ambiguous"); a datetime column crashed it too: now refused by name
    rng = np.random.default_rng(0)
    n = 60
    x = rng.normal(size=n)
    frame = pd.DataFrame({
        "x": x,
        "kind": pd.array(rng.choice(["a", "b"], size=n), dtype="string"),
        "y": 2 * x + rng.normal(scale=0.1, size=n),
    })
    frame.loc[3, "kind"] = pd.NA
    path = tmp_path / "nullable.parquet"
    frame.to_parquet(path)
    code, stdout, stderr = run_cli(capsys, path, "--target", "y", "--models", "ridge",
                                   "--cv", 3, "--out", tmp_path / "out")
    assert code == 0, stderr
    assert "Ridge" in stdout
    frame["when"] = pd.date_range("2020-01-01", periods=n)
    frame.to_parquet(path)
    code, _stdout, stderr = run_cli(capsys, path, "--target", "y", "--models", "ridge",
                                    "--cv", 3, "--out", tmp_path / "out")
    assert code == 2
    assert "date or time columns are not supported: when" in stderr


def test_regression_mlp_early_stopping_on_small_folds():
    from skreg._study.data import StudyData
    from skreg._study.families import FAMILIES
    from skreg._study.runner import Settings

    mlp = FAMILIES["mlp"]

    def data(n):
        return StudyData(X=None, y=np.arange(float(n)), task="regression", source="t",
                         target="y", numeric_columns=[], categorical_columns=[])

    assert mlp._early_stopping(data(200), Settings(("mlp",), cv=5)) == (True, 0.1)
    # 12 rows, 3 folds: 8 training rows need a quarter held out for 2 rows
    assert mlp._early_stopping(data(12), Settings(("mlp",), cv=3)) == (True, 0.25)
    # 6 rows, 3 folds: 4 training rows cannot spare 2
    assert mlp._early_stopping(data(6), Settings(("mlp",), cv=3)) == (False, 0.1)
    assert "early stopping is off" in mlp.notes(data(6), Settings(("mlp",), cv=3))[0]


def test_scoring_reaches_ridge_and_lasso_says_how_it_chooses(tmp_path, capsys):
    from skreg._study.data import StudyData
    from skreg._study.families import FAMILIES
    from skreg._study.runner import Settings

    reg = StudyData(X=None, y=np.arange(20.0), task="regression", source="t",
                    target="y", numeric_columns=[], categorical_columns=[])
    settings = Settings(("ridge",), cv=3, scoring="neg_max_error")
    ridge = FAMILIES["ridge"].estimator(reg, settings, "passthrough")
    assert ridge.named_steps["model"].scoring == "neg_max_error"
    assert "chosen by cross-validated mean squared error" in \
        FAMILIES["lasso"].notes(reg, settings)[0]
    assert FAMILIES["lasso"].notes(reg, Settings(("lasso",), cv=3, scoring="r2")) == []


def test_malformed_dask_address_is_a_user_error(tmp_path, capsys):
    pytest.importorskip("distributed")
    path = tmp_path / "data.csv"
    path.write_text("a,y\n" + "".join(f"{i},{i * 0.7}\n" for i in range(30)))
    code, _stdout, stderr = run_cli(capsys, path, "--target", "y", "--models", "ridge",
                                    "--dask", "garbage", "--out", tmp_path / "out")
    assert code == 2
    assert "cannot reach the dask scheduler 'garbage'" in stderr


def test_empty_model_list_and_non_utf8_file_are_refused(tmp_path, capsys):
    # "--models ," silently ran the default families
    with pytest.raises(SystemExit) as exit_info:
        main(["study", "--models", ",", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "no model family in ','" in capsys.readouterr().err
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,y\n1,caf\xe9\n".encode("latin-1"))
    code, _, stderr = run_cli(capsys, path, "--target", "y", "--out", tmp_path / "o")
    assert code == 2
    assert "is not UTF-8 text" in stderr
