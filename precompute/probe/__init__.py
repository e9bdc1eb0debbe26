"""Probe your own image: the torch side of `microscope serve --probe` (one forward pass per request, over HTTP).

`compute` runs the pass and picks the units; `models` loads the networks the worker serves; `gate` bounds the
queue and times requests out; `server` is the small HTTP service `microscope probe-worker` runs.
"""
