"""Domain code with no Qt: paths, resources, settings, secrets, storage."""
