"""Plots only the app draws, per request, as inline SVG (circuit kernels as small PNGs): built on store.figures'
axes, where the unit page's figures, which precompute stores too, are drawn.
"""
