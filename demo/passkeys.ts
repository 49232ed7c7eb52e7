import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import type { PasskeyCredential } from '../src/protocol/index';

/**
 * The demo merchant's passkeys, verified with @simplewebauthn/server. WebAuthn needs a domain
 * as relying party, so passkeys work when the demo is opened on http://localhost:<port>.
 */
export function createPasskeys(rpID = 'localhost') {
  const credentials = new Map<string, WebAuthnCredential[]>();
  const challenges = new Map<string, string>();
  let origins: string[] = [];

  return {
    setOrigins(list: string[]) {
      origins = list;
    },
    has(shopperRef: string | undefined): boolean {
      return !!shopperRef && (credentials.get(shopperRef)?.length ?? 0) > 0;
    },
    async registrationOptions(sessionId: string, shopperRef: string) {
      const options = await generateRegistrationOptions({
        rpName: 'Till demo store',
        rpID,
        userName: shopperRef,
        attestationType: 'none',
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        excludeCredentials: (credentials.get(shopperRef) ?? []).map((c) => ({ id: c.id, ...(c.transports ? { transports: c.transports } : {}) })),
      });
      challenges.set(`reg:${sessionId}`, options.challenge);
      return options as unknown as { challenge: string } & Record<string, unknown>;
    },
    async register(sessionId: string, shopperRef: string, credential: PasskeyCredential): Promise<boolean> {
      const expectedChallenge = challenges.get(`reg:${sessionId}`);
      challenges.delete(`reg:${sessionId}`);
      if (!expectedChallenge) return false;
      const r = await verifyRegistrationResponse({
        response: credential as never,
        expectedChallenge,
        expectedOrigin: origins,
        expectedRPID: rpID,
        requireUserVerification: true,
      });
      if (!r.verified) return false;
      credentials.set(shopperRef, [...(credentials.get(shopperRef) ?? []), r.registrationInfo.credential]);
      return true;
    },
    async stepUpOptions(paymentId: string, shopperRef: string) {
      const options = await generateAuthenticationOptions({
        rpID,
        userVerification: 'required',
        allowCredentials: (credentials.get(shopperRef) ?? []).map((c) => ({ id: c.id, ...(c.transports ? { transports: c.transports as never } : {}) })),
      });
      challenges.set(`auth:${paymentId}`, options.challenge);
      return options as unknown as { challenge: string } & Record<string, unknown>;
    },
    async verifyStepUp(paymentId: string, shopperRef: string, credential: PasskeyCredential): Promise<boolean> {
      const expectedChallenge = challenges.get(`auth:${paymentId}`);
      challenges.delete(`auth:${paymentId}`);
      const stored = credentials.get(shopperRef)?.find((c) => c.id === credential.id);
      if (!expectedChallenge || !stored) return false;
      const r = await verifyAuthenticationResponse({
        response: credential as never,
        expectedChallenge,
        expectedOrigin: origins,
        expectedRPID: rpID,
        credential: stored,
        requireUserVerification: true,
      });
      if (r.verified) stored.counter = r.authenticationInfo.newCounter;
      return r.verified;
    },
  };
}
