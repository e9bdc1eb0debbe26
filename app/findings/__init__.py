"""A model's findings: the presenter and its JSON route."""
