// Types for node-postgres's SCRAM client (pg/lib/crypto/sasl.js, a path pg exports): the gate
// authenticates its upstream session with the same code pg's own Client uses.
declare module 'pg/lib/crypto/sasl.js' {
  export interface SaslSession {
    mechanism: string;
    clientNonce: string;
    response: string;
    message: string;
  }
  const sasl: {
    startSession(mechanisms: readonly string[], stream?: unknown): SaslSession;
    continueSession(session: SaslSession, password: string, serverData: string, stream?: unknown): Promise<void>;
    finalizeSession(session: SaslSession, serverData: string): void;
  };
  export default sasl;
}
