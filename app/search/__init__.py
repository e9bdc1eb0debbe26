"""Site-wide search: the search itself and its JSON routes."""
