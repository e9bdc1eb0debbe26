"""A concatenating layer's units grouped by branch: the presenter and its JSON route."""
