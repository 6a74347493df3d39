-- The fix's migration: the database enforces one user per address, whatever the case.
CREATE UNIQUE INDEX app_user_email_key ON app_user (lower(email));
