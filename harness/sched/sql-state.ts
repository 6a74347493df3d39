// SQLSTATE codes and classes (PostgreSQL manual, Appendix A): what an actor or a step may declare
// as an allowed or expected error, validated when it is declared so a typo is caught at once.
import { HarnessError } from '../errors/index.ts';

/** The classes PostgreSQL defines: the first two characters of a SQLSTATE. */
export const SQLSTATE_CLASSES: Readonly<Record<string, string>> = {
  '00': 'successful completion',
  '01': 'warning',
  '02': 'no data',
  '03': 'SQL statement not yet complete',
  '08': 'connection exception',
  '09': 'triggered action exception',
  '0A': 'feature not supported',
  '0B': 'invalid transaction initiation',
  '0F': 'locator exception',
  '0L': 'invalid grantor',
  '0P': 'invalid role specification',
  '0Z': 'diagnostics exception',
  '20': 'case not found',
  '21': 'cardinality violation',
  '22': 'data exception',
  '23': 'integrity constraint violation',
  '24': 'invalid cursor state',
  '25': 'invalid transaction state',
  '26': 'invalid SQL statement name',
  '27': 'triggered data change violation',
  '28': 'invalid authorization specification',
  '2B': 'dependent privilege descriptors still exist',
  '2D': 'invalid transaction termination',
  '2F': 'SQL routine exception',
  '34': 'invalid cursor name',
  '38': 'external routine exception',
  '39': 'external routine invocation exception',
  '3B': 'savepoint exception',
  '3D': 'invalid catalog name',
  '3F': 'invalid schema name',
  '40': 'transaction rollback',
  '42': 'syntax error or access rule violation',
  '44': 'WITH CHECK OPTION violation',
  '53': 'insufficient resources',
  '54': 'program limit exceeded',
  '55': 'object not in prerequisite state',
  '57': 'operator intervention',
  '58': 'system error',
  '72': 'snapshot failure',
  F0: 'configuration file error',
  HV: 'foreign data wrapper error',
  P0: 'PL/pgSQL error',
  XX: 'internal error',
};

/**
 * Throws E_BAD_SCENARIO unless `pattern` is a SQLSTATE (`40001`) or a class (`40`) of a class
 * PostgreSQL defines; `where` says who declared it.
 */
export function assertSqlStatePattern(pattern: string, where: string): void {
  if (!/^[0-9A-Z]{2}([0-9A-Z]{3})?$/.test(pattern)) {
    throw new HarnessError('E_BAD_SCENARIO', `${where}: '${pattern}' is not a SQLSTATE (five characters, e.g. 40001) or a SQLSTATE class (two, e.g. 40)`);
  }
  const cls = pattern.slice(0, 2);
  if (!(cls in SQLSTATE_CLASSES)) {
    throw new HarnessError('E_BAD_SCENARIO', `${where}: '${pattern}' is of an unknown SQLSTATE class '${cls}'; valid classes: ${Object.keys(SQLSTATE_CLASSES).join(', ')}`);
  }
}

/** True when `sqlState` is `pattern` or belongs to the class `pattern`. */
export function matchesSqlState(sqlState: string | null, pattern: string): boolean {
  if (!sqlState) return false;
  return pattern.length === 2 ? sqlState.startsWith(pattern) : sqlState === pattern;
}
