"""Regularized multi-layer perceptrons."""

__all__ = []
