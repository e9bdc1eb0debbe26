"""Link-preview cards and the pages' OpenGraph meta: the card routes, their file cache and the previews."""
