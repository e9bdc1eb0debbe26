"""Plots drawn server-side as inline SVG (no JavaScript needed): each module one kind of plot, with axes and legend.

The SVG is built with markupsafe-escaped text and numbers only, so a label can never inject markup, and uses no
inline `style` attributes (the CSP forbids them): colours and sizes are SVG presentation attributes or CSS classes.
"""
