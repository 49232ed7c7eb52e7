/** The protocol's plain constants, apart from its schemas: the browser needs these at import, the schemas only later. */

/** Wire protocol version; sent in the {@link VERSION_HEADER} header of every request and reply. */
export const PROTOCOL_VERSION = '2';
export const VERSION_HEADER = 'Till-Version';
/**
 * The session's client secret, returned once by `POST /sessions` and sent in this header on every
 * later call on that session and its payments. A session or payment id alone grants nothing.
 */
export const CLIENT_SECRET_HEADER = 'Till-Client-Secret';

/** A client secret: 256 random bits, base64url (43 characters) after the `tcs_` prefix. */
export const CLIENT_SECRET_PATTERN = /^tcs_[A-Za-z0-9_-]{43}$/;

/** Largest request body a server accepts, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024;
