// libpq's environment for spec runs: the isolation tester is a libpq program, so PGOPTIONS and
// the variables libpq turns into session settings (PGDATESTYLE, PGTZ, PGGEQO — pg_regress sets
// PGDATESTYLE='Postgres, MDY') apply to its sessions. node-postgres reads PGOPTIONS only when
// the URL has no options and ignores the rest; the spec's sessions get them through the URL.

/** libpq's environment variables that become a session setting, and the setting. */
const SETTING_VARIABLES = [
  ['PGDATESTYLE', 'datestyle'],
  ['PGTZ', 'timezone'],
  ['PGGEQO', 'geqo'],
] as const;

/** The startup `options` libpq would send for `env` (PGOPTIONS first), or null when none. */
export function libpqStartupOptions(env: Readonly<Record<string, string | undefined>>): string | null {
  const parts: string[] = [];
  const given = env['PGOPTIONS']?.trim();
  if (given) parts.push(given);
  for (const [variable, setting] of SETTING_VARIABLES) {
    const value = env[variable];
    // In `options`, a blank inside a value is escaped with a backslash (as is a backslash).
    if (value !== undefined && value !== '') parts.push(`-c ${setting}=${value.replace(/\\/g, '\\\\').replace(/ /g, '\\ ')}`);
  }
  return parts.length > 0 ? parts.join(' ') : null;
}

/** `url` with libpq's environment as its startup options (the URL's own options kept first). */
export function withLibpqEnvironment(url: string, env: Readonly<Record<string, string | undefined>>): string {
  const options = libpqStartupOptions(env);
  if (options === null) return url;
  const u = new URL(url);
  const own = u.searchParams.get('options');
  u.searchParams.set('options', own ? `${own} ${options}` : options);
  return u.toString();
}
