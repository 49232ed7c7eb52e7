import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticatorTransport as AuthenticatorTransportFuture,
} from '@simplewebauthn/server';
import type { PasskeyCredential } from '../src/protocol/index';
import type { DemoStore } from './store';

const CHALLENGE_SECONDS = 300;
const nowS = () => Math.floor(Date.now() / 1000);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

/**
 * The demo merchant's passkeys, verified with @simplewebauthn/server and kept in the demo's
 * database (credentials per shopper, one-time challenges). WebAuthn needs a domain as relying
 * party, so passkeys work when the demo is opened on http://localhost:<port>.
 */
export function createPasskeys(store: DemoStore['passkeys'], rpID = 'localhost') {
  let origins: string[] = [];

  return {
    setOrigins(list: string[]) {
      origins = list;
    },
    async has(shopperId: string | undefined): Promise<boolean> {
      return !!shopperId && (await store.list(shopperId)).length > 0;
    },
    async registrationOptions(sessionId: string, shopperId: string, userName: string) {
      const options = await generateRegistrationOptions({
        rpName: 'Till demo store',
        rpID,
        userName,
        attestationType: 'none',
        authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
        excludeCredentials: (await store.list(shopperId)).map((c) => ({ id: c.id, ...(c.transports ? { transports: c.transports as AuthenticatorTransportFuture[] } : {}) })),
      });
      await store.putChallenge(`reg:${sessionId}:${shopperId}`, options.challenge, nowS() + CHALLENGE_SECONDS);
      return options as unknown as { challenge: string } & Record<string, unknown>;
    },
    async register(sessionId: string, shopperId: string, credential: PasskeyCredential): Promise<boolean> {
      const expectedChallenge = await store.takeChallenge(`reg:${sessionId}:${shopperId}`, nowS());
      if (!expectedChallenge) return false;
      const r = await verifyRegistrationResponse({
        response: credential as never,
        expectedChallenge,
        expectedOrigin: origins,
        expectedRPID: rpID,
        requireUserVerification: true,
      }).catch(() => undefined);
      if (!r?.verified) return false;
      const c = r.registrationInfo.credential;
      await store.add(shopperId, { id: c.id, publicKey: b64(c.publicKey), counter: c.counter, ...(c.transports ? { transports: c.transports } : {}) });
      return true;
    },
    async stepUpOptions(paymentId: string, shopperId: string) {
      const options = await generateAuthenticationOptions({
        rpID,
        userVerification: 'required',
        allowCredentials: (await store.list(shopperId)).map((c) => ({ id: c.id, ...(c.transports ? { transports: c.transports as AuthenticatorTransportFuture[] } : {}) })),
      });
      await store.putChallenge(`auth:${paymentId}`, options.challenge, nowS() + CHALLENGE_SECONDS);
      return options as unknown as { challenge: string } & Record<string, unknown>;
    },
    async verifyStepUp(paymentId: string, shopperId: string, credential: PasskeyCredential): Promise<boolean> {
      const expectedChallenge = await store.takeChallenge(`auth:${paymentId}`, nowS());
      const stored = (await store.list(shopperId)).find((c) => c.id === credential.id);
      if (!expectedChallenge || !stored) return false;
      const r = await verifyAuthenticationResponse({
        response: credential as never,
        expectedChallenge,
        expectedOrigin: origins,
        expectedRPID: rpID,
        credential: { id: stored.id, publicKey: Buffer.from(stored.publicKey, 'base64url'), counter: stored.counter, ...(stored.transports ? { transports: stored.transports as AuthenticatorTransportFuture[] } : {}) },
        requireUserVerification: true,
      }).catch(() => undefined);
      if (r?.verified) await store.setCounter(stored.id, r.authenticationInfo.newCounter);
      return !!r?.verified;
    },
  };
}
