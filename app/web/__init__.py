"""The service's plumbing, no resource of its own: settings, limits, middlewares, errors, templates, paging."""
