"""Feature families in a layer and across models (universality): membership, pictures, presenters, routes."""
