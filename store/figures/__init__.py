"""Figures drawn server-side as inline SVG (no JavaScript needed), shared by the app and precompute: each module one
kind of plot, with axes and legend, and `unit` the figures of a unit page, which precompute stores once so that a
page need not draw them (`stored` says how they are kept, and checks them when read).

The SVG is built with markupsafe-escaped text and numbers only, so a label can never inject markup, and uses no
inline `style` attributes (the CSP forbids them): colours and sizes are SVG presentation attributes or CSS classes.
"""
