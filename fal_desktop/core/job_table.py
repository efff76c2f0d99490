"""The jobs table in SQLite: its migrations (one script per schema version, run in order by
:class:`~fal_desktop.core.jobstore.JobStore`; a new one is appended last) and its columns."""

from __future__ import annotations

__all__ = ["COLUMNS", "MIGRATIONS"]

MIGRATIONS = [
    """
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        endpoint_id TEXT NOT NULL,
        state TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        request_id TEXT,
        inputs_json TEXT NOT NULL,
        payload_json TEXT,
        output_json TEXT,
        files_json TEXT NOT NULL DEFAULT '[]',
        error TEXT,
        error_detail TEXT,
        created_at REAL NOT NULL,
        submitted_at REAL,
        finished_at REAL,
        session_id TEXT
    );
    CREATE INDEX jobs_state ON jobs(state);
    CREATE INDEX jobs_created ON jobs(created_at);
    """,
    # 2: sessions (named sequences of runs), groups of runs, prompt history; the jobs run
    # before sessions existed become the session "Earlier results".
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    ALTER TABLE jobs ADD COLUMN group_id TEXT;
    CREATE INDEX jobs_session ON jobs(session_id, created_at);
    CREATE TABLE prompts (
        text TEXT PRIMARY KEY,
        last_used REAL NOT NULL,
        uses INTEGER NOT NULL DEFAULT 1
    );
    INSERT INTO sessions (id, name, created_at, updated_at)
        SELECT 'earlier', 'Earlier results', MIN(created_at), MAX(created_at) FROM jobs
        HAVING COUNT(*) > 0;
    UPDATE jobs SET session_id = 'earlier' WHERE session_id IS NULL;
    INSERT OR IGNORE INTO prompts (text, last_used)
        SELECT TRIM(json_extract(inputs_json, '$.prompt')), MAX(created_at) FROM jobs
        WHERE json_valid(inputs_json) AND TRIM(COALESCE(json_extract(inputs_json, '$.prompt'), '')) != ''
        GROUP BY 1;
    """,
    # 3: the money-safe lifecycle. Older versions failed jobs fal had and ran: a result whose
    # download failed becomes "not fetched" (Retry fetches it), and a job failed on a refused
    # key is followed again by its request id. (The version also tells older apps, which do
    # not know the new states, that a newer one wrote this file.)
    """
    UPDATE jobs SET state = 'not_fetched'
        WHERE state = 'failed' AND request_id IS NOT NULL AND output_json IS NOT NULL;
    UPDATE jobs SET state = 'queued', error = NULL, error_detail = NULL, finished_at = NULL
        WHERE state = 'failed' AND request_id IS NOT NULL AND output_json IS NULL
        AND error = 'fal did not accept the API key.';
    """,
    # 4: why a job failed, as data (``ErrorKind``). Jobs stored before get theirs from what was
    # recorded: fal's 422 led the stored detail, held and expired jobs say it by their state.
    """
    ALTER TABLE jobs ADD COLUMN error_kind TEXT;
    UPDATE jobs SET error_kind = 'rejected_input'
        WHERE state = 'failed' AND error_detail LIKE 'HTTP 422%';
    UPDATE jobs SET error_kind = 'out_of_credit' WHERE state = 'held';
    UPDATE jobs SET error_kind = 'expired' WHERE state = 'expired';
    """,
    # 5: what a job cost: fal's billable units for its result, and units × unit price.
    """
    ALTER TABLE jobs ADD COLUMN billable_units TEXT;
    ALTER TABLE jobs ADD COLUMN cost REAL;
    """,
    # 6: the money totals asked after every finished job (a session's cost, the spend limit's
    # session and day) summed from indexes alone, and the few costs that wait for a price
    # found without reading every finished job.
    """
    CREATE INDEX jobs_session_cost ON jobs(session_id, state, cost);
    CREATE INDEX jobs_day_cost ON jobs(created_at, state, cost);
    CREATE INDEX jobs_cost_missing ON jobs(state) WHERE billable_units IS NOT NULL AND cost IS NULL;
    """,
]

COLUMNS = (
    "id",
    "endpoint_id",
    "state",
    "label",
    "request_id",
    "inputs_json",
    "payload_json",
    "output_json",
    "files_json",
    "error",
    "error_detail",
    "created_at",
    "submitted_at",
    "finished_at",
    "session_id",
    "group_id",
    "error_kind",
    "billable_units",
    "cost",
)
