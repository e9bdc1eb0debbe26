"""JSON routes of models, layers and units, their downloads, and the content-addressed assets."""
