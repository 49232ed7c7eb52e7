// Writes dist/protocol.schema.json: the JSON Schema of every protocol message, generated from
// the zod schemas so a backend in any language implements exactly what the browser validates.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as z from 'zod/mini';
import * as P from '../src/protocol/index';

const messages = {
  CreateSessionRequest: P.CreateSessionRequest,
  SessionReply: P.SessionReply,
  UpdateItemsRequest: P.UpdateItemsRequest,
  QuoteRequest: P.QuoteRequest,
  QuoteReply: P.QuoteReply,
  PayRequest: P.PayRequest,
  PaymentReply: P.PaymentReply,
  CardPlaintext: P.CardPlaintext,
  ErrorReply: P.ErrorReply,
  PasskeyAssertionRequest: P.PasskeyAssertionRequest,
  PasskeyRegistrationRequest: P.PasskeyRegistrationRequest,
  PasskeyReply: P.PasskeyReply,
};

export function protocolJsonSchema() {
  const defs: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(messages)) {
    // `io: 'input'` describes what a sender must produce.
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    defs[name] = rest;
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `https://till.dev/protocol/v${P.PROTOCOL_VERSION}.schema.json`,
    title: `Till protocol v${P.PROTOCOL_VERSION}`,
    description: `Send header ${P.VERSION_HEADER}: ${P.PROTOCOL_VERSION}. Money is integer minor units (ISO 4217 exponent).`,
    endpoints: P.ENDPOINTS,
    $defs: defs,
  };
}

if (process.argv[1]?.endsWith('emit-schema.ts')) {
  mkdirSync('dist', { recursive: true });
  writeFileSync('dist/protocol.schema.json', JSON.stringify(protocolJsonSchema(), null, 2) + '\n');
  console.log(`wrote dist/protocol.schema.json (${Object.keys(messages).length} messages)`);
}
