"""The regularization study behind ``skreg study`` (see :mod:`skreg.cli`).

Private: the command line is the public face. This package uses only skreg's
public API, scikit-learn, pandas and (for pictures) matplotlib.
"""
