"""The 'min' / '1se' selection rule shared by the CV estimators."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skreg.linear_model._cv_selection import cv_mean_and_std_error, select_index


def test_mean_and_std_error_match_hand_computation():
    folds = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]])
    mean, se = cv_mean_and_std_error(folds, axis=1)
    np.testing.assert_allclose(mean, [7 / 3, 3.0])
    sd = np.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 2)
    np.testing.assert_allclose(se, [sd / np.sqrt(3), 0.0])


def test_single_fold_has_zero_std_error():
    mean, se = cv_mean_and_std_error(np.array([[1.0], [2.0]]), axis=1)
    np.testing.assert_array_equal(mean, [1.0, 2.0])
    np.testing.assert_array_equal(se, [0.0, 0.0])


def test_nan_folds_are_skipped():
    folds = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [2.0, np.nan, 2.0]])
    mean, se = cv_mean_and_std_error(folds, axis=1)
    np.testing.assert_allclose(mean, [2.0, np.nan, 2.0])
    np.testing.assert_allclose(se, [np.sqrt(2.0) / np.sqrt(2.0), 0.0, 0.0])


def test_min_rule_picks_best_and_breaks_ties_toward_regularization():
    assert select_index([3.0, 2.0, 1.0, 1.5], [0, 0, 0, 0]) == 2
    assert select_index([3.0, 1.0, 1.0, 1.5], [0, 0, 0, 0]) == 1


def test_rounding_level_ties_go_to_the_more_regularized_candidate():
    flat = [3.0, 1.0 + 1e-12, 1.0, 1.0 + 5e-13, 2.0]
    assert select_index(flat, [0] * 5) == 1
    assert select_index(flat, [0] * 5, tie_rtol=0.0) == 2
    # a real difference is not a tie
    assert select_index([3.0, 1.001, 1.0], [0] * 3) == 2
    acc = [0.5, 0.9 - 1e-12, 0.9]
    assert select_index(acc, [0] * 3, greater_is_better=True) == 1


def test_1se_rule_picks_most_regularized_within_one_se():
    mean = [5.0, 2.4, 2.25, 2.0, 2.1]
    se = [0.1, 0.1, 0.1, 0.3, 0.1]
    # threshold = 2.0 + 0.3 = 2.3: index 2 is the first at or below it
    assert select_index(mean, se, rule="1se") == 2
    assert select_index(mean, se, rule="min") == 3


def test_1se_rule_for_scores_where_greater_is_better():
    acc = [0.5, 0.86, 0.88, 0.9, 0.89]
    se = [0.0, 0.0, 0.0, 0.03, 0.0]
    assert select_index(acc, se, rule="min", greater_is_better=True) == 3
    assert select_index(acc, se, rule="1se", greater_is_better=True) == 2


def test_nan_scores_are_never_selected():
    assert select_index([np.nan, 2.0, 1.0], [0, 0, 0]) == 2
    assert select_index([np.nan, 2.0, 1.0], [0, 0, 5.0], rule="1se") == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(mean_scores=[1.0], std_errors=[0.0], rule="max"), "selection rule"),
        (dict(mean_scores=[], std_errors=[]), "non-empty"),
        (dict(mean_scores=[1.0, 2.0], std_errors=[0.0]), "std_errors has shape"),
        (dict(mean_scores=[np.nan], std_errors=[0.0]), "NaN"),
    ],
)
def test_bad_input_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        select_index(**kwargs)


@settings(max_examples=50, deadline=None)
@given(
    mean=arrays(np.float64, st.integers(1, 8), elements=st.floats(0, 10)),
    se_scale=st.floats(0, 3),
)
def test_1se_is_never_less_regularized_than_min(mean, se_scale):
    se = np.full_like(mean, se_scale)
    i_min = select_index(mean, se, rule="min")
    i_1se = select_index(mean, se, rule="1se")
    assert i_1se <= i_min
    assert mean[i_1se] <= mean[i_min] + se_scale
    assert np.all(mean[:i_1se] > mean[i_min] + se_scale)
