-- Users, one per e-mail address: a rule the application enforces, not the table.
CREATE TABLE app_user (
    id    serial PRIMARY KEY,
    email text NOT NULL,
    name  text NOT NULL
);
