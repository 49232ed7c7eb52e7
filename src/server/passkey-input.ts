import * as z from 'zod/mini';

/**
 * What the kit requires of a passkey credential before a verifier sees it: the response fields
 * every WebAuthn library reads, as base64url (as `PublicKeyCredential.toJSON()` writes them).
 * The protocol schema keeps `response` open so the browser bundle stays small; a malformed
 * credential is refused here with `invalid_request`, never passed on to throw in a verifier.
 */
const Base64Url = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/), z.maxLength(16_384));

export const AssertionResponse = z.looseObject({
  clientDataJSON: Base64Url,
  authenticatorData: Base64Url,
  signature: Base64Url,
  userHandle: z.optional(z.nullable(z.string().check(z.maxLength(1024)))),
});

export const AttestationResponse = z.looseObject({
  clientDataJSON: Base64Url,
  attestationObject: Base64Url,
});
