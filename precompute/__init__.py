"""Offline pipeline: models → feature visualizations, dataset examples, connections → store."""
