// What makes a kept PostgreSQL session identical to a fresh connection between runs, and what
// shows that it is: shared by the engine's actor sessions and the wire gate's kept upstream sessions.

/** What DISCARD ALL runs (it refuses a multi-statement query; its parts do not), plus RESET ROLE. */
export const RESET_SESSION =
  'CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ROLE; RESET ALL; DEALLOCATE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); ' +
  'DISCARD PLANS; DISCARD TEMP; DISCARD SEQUENCES';

/**
 * Select-list items: the default isolation (`iso`) and what a run could leave in the session, as
 * text (`state`). deadlock_timeout is the engine's own setting (it sets it before statements as it needs).
 */
export const SESSION_STATE = `current_setting('default_transaction_isolation') AS iso, concat_ws(' | ',
  'user=' || current_user, 'session_user=' || session_user,
  'settings=' || (SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings WHERE source = 'session' AND name <> 'deadlock_timeout'),
  'prepared=' || (SELECT string_agg(name, ',' ORDER BY name) FROM pg_prepared_statements),
  'cursors=' || (SELECT string_agg(name, ',' ORDER BY name) FROM pg_cursors),
  'temporary relations=' || (SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()),
  'listening=' || (SELECT string_agg(c, ',' ORDER BY c) FROM pg_listening_channels() AS c),
  'advisory locks=' || (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory')) AS state`;

/**
 * Who a session is and where it looks names up (`current_user / search_path`): the footprints
 * resolve names as the session the catalog was read on does, and a session whose answer differs
 * (a program's startup options `-c search_path=...`, `-c role=...`) resolves them elsewhere.
 */
export const NAME_RESOLUTION_SQL = "current_user || ' / ' || current_setting('search_path')";
