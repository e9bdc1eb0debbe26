"""Models, layers and units (the browse pages): their presenters, the layer grid, downloads and assets."""
