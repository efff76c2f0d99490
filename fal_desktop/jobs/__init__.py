"""Running jobs: one asyncio loop in a worker thread drives every job (see ``engine``)."""
