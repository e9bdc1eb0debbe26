"""Probe your own image: the upload's checks, the worker's client, the presenter and the JSON routes."""
