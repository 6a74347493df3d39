-- A job queue in a table: workers claim queued jobs and run them.
CREATE TABLE job (
    id      serial PRIMARY KEY,
    payload text NOT NULL,
    status  text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done')),
    worker  text
);
