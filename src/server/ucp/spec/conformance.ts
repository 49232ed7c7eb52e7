/**
 * Test support: validates UCP replies with the UCP 2026-08-25 JSON Schemas kept beside this file
 * (`schemas/`, copied unchanged from github.com/Universal-Commerce-Protocol/ucp; sources, commits
 * and licence in MANIFEST.md) using Ajv (draft 2020-12).
 *
 * Three files the checkout schema refers to could not be obtained in this closed environment
 * (`common/types/payment.json`, `shopping/types/attribution.json`, `common/types/locality.json`):
 * they are stood in for by schemas that accept anything, so the `payment`, `attribution` and
 * `context.locality` parts of a checkout are not checked (this server sends none of them).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

const ROOT = fileURLToPath(new URL('./schemas', import.meta.url));
const BASE = 'https://ucp.dev/schemas/';
const UNAVAILABLE = ['common/types/payment.json', 'shopping/types/attribution.json', 'common/types/locality.json'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.json') ? [p] : [];
  });
}

const ajv = new Ajv2020({ strict: true, strictRequired: false, strictTypes: false, allErrors: true });
addFormats(ajv);
// UCP's annotation keywords (request views, display names) have no effect on validation.
for (const keyword of ['ucp_request', 'ucp_response', 'name']) ajv.addKeyword({ keyword });
for (const f of files(ROOT)) {
  const schema = JSON.parse(readFileSync(f, 'utf8')) as { $id?: string };
  if (schema.$id) ajv.addSchema(schema);
  else ajv.addSchema(schema, BASE + relative(ROOT, f).split(sep).join('/'));
}
for (const path of UNAVAILABLE) ajv.addSchema({ $id: BASE + path, description: 'Stand-in: this UCP schema file was not available offline; accepts anything.' });

const ROOTS = {
  checkout: BASE + 'shopping/checkout.json',
  profile: BASE + 'profile.json#/$defs/business_schema',
  error: BASE + 'common/types/error_response.json',
} as const;

/** Fails the test when `body` is not a valid UCP `kind` (checkout response, business profile, error response). */
export async function conformsToUcp(kind: keyof typeof ROOTS, body: unknown): Promise<void> {
  const validate = ajv.getSchema(ROOTS[kind]);
  if (!validate) throw new Error(`no UCP schema for ${kind}`);
  const ok = validate(body);
  expect(ok, `${kind}: ${JSON.stringify(validate.errors?.slice(0, 4))}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
}
