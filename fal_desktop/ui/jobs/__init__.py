"""The jobs table: its model (rows from job updates), the panel with Cancel/Retry and the log, and what a waiting job says."""
