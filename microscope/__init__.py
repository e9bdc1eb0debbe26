"""The `microscope` command."""
