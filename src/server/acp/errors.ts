/** ACP's flat error shape, and how it words idempotency refusals (RFC agentic_checkout §6.4). */
import type { AgentAnswer, KeyErrors } from '../agent-idempotency';

export const acpError = (status: number, type: 'invalid_request' | 'processing_error' | 'service_unavailable', code: string, message: string, param?: string): AgentAnswer => ({
  status,
  body: { type, code, message, ...(param ? { param } : {}) },
});

export const ACP_KEY_ERRORS: KeyErrors = {
  missing: () => acpError(400, 'invalid_request', 'idempotency_key_required', 'Idempotency-Key header is required on all POST requests'),
  invalid: () => acpError(400, 'invalid_request', 'invalid', 'Idempotency-Key is at most 255 characters.', '$.headers.Idempotency-Key'),
  conflict: () => acpError(422, 'invalid_request', 'idempotency_conflict', 'Idempotency-Key has already been used with a different request body'),
  inFlight: () => acpError(409, 'invalid_request', 'idempotency_in_flight', 'A request with this Idempotency-Key is currently being processed'),
  valid: (key) => key.length <= 255,
};
