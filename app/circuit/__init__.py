"""Circuits: the units of consecutive layers and the kernels between them (query, presenter, JSON route)."""
