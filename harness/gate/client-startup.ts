// What the gate decides about a client's startup packet: which parameters go on to the server,
// what it refuses (replication), and what it tells a client asking for a newer protocol.
import { negotiateProtocolVersion } from './backend-messages.ts';
import type { StartupPacket } from './frontend-messages.ts';
import { unsupportedError, type StepError } from './step-responses.ts';

type Startup = Extract<StartupPacket, { kind: 'startup' }>;

/** The session runs as the harness's user on the harness's database; the rest is the client's. */
const NOT_FORWARDED = new Set(['user', 'database', 'replication']);

/** The client's parameters the upstream session starts with (application_name, options, DateStyle...). */
export function upstreamParameters(parameters: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...parameters].filter(([k]) => !NOT_FORWARDED.has(k) && !k.startsWith('_pq_.')));
}

/** The FATAL error for a startup the gate refuses (a replication connection), or null. */
export function startupRefusal(p: Startup): StepError | null {
  const replication = p.parameters.get('replication');
  if (replication === undefined || ['false', 'off', 'no', '0'].includes(replication.toLowerCase())) return null;
  return { ...unsupportedError('a replication connection', `the gate schedules SQL sessions only; connect without replication=${replication}`), severity: 'FATAL' };
}

/** NegotiateProtocolVersion for a client that asked for 3.x (x > 0) or `_pq_` options; null otherwise. */
export function protocolNegotiation(p: Startup): Buffer | null {
  const extensions = [...p.parameters.keys()].filter((k) => k.startsWith('_pq_.'));
  return p.minor > 0 || extensions.length > 0 ? negotiateProtocolVersion(0, extensions) : null;
}

export function unsupportedProtocol(code: number): StepError {
  return { severity: 'FATAL', sqlState: '0A000', message: `unsupported frontend protocol ${code >> 16}.${code & 0xffff}: the harness's wire gate speaks protocol 3.0` };
}
