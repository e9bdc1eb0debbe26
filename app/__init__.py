"""The microscope web service: a JSON API under /api/v1 and HTML pages at the same paths, read from a store."""
