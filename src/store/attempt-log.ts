import type { AttemptLog } from './checkout-store';

/** `method:key`, each in its protocol format (method id, idempotency key). */
const ENTRY = /^([a-z][a-z0-9_]{0,39}):([\w-]{16,128})$/;

/**
 * Remembers an unanswered payment attempt in sessionStorage (this tab only, gone when it closes),
 * so a reload can ask the server what became of it instead of paying a second time. Only the
 * method id and the idempotency key are kept — never the request, its token or any card data.
 * Storage failures and tampered entries read as "nothing remembered".
 */
export function sessionAttemptLog(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = globalThis.sessionStorage): AttemptLog {
  const slot = (sessionId: string) => 'till:attempt:' + sessionId;
  return {
    get(sessionId) {
      try {
        const m = ENTRY.exec(storage?.getItem(slot(sessionId)) ?? '');
        return m ? { method: m[1]!, key: m[2]! } : undefined;
      } catch {
        return undefined;
      }
    },
    set(sessionId, attempt) {
      try {
        if (attempt) storage?.setItem(slot(sessionId), attempt.method + ':' + attempt.key);
        else storage?.removeItem(slot(sessionId));
      } catch {
        // Private mode or quota: the in-page memory of the attempt still protects this page.
      }
    },
  };
}
