import { compactDecrypt, type CryptoKey } from 'jose';
import { CardPlaintext, type FailureCode } from '../src/protocol/index';
import { detectBrand, validateCardNumber, validateExpiry } from '../src/core/card/index';

export type ProcessorResult =
  | { status: 'approved'; brand: string; last4: string }
  | { status: 'challenge'; brand: string; last4: string }
  | { status: 'declined'; code: FailureCode };

/**
 * A simulated card processor that behaves like the well-known public test cards. It is the only
 * place that sees a card number in clear, after decrypting the JWE with the merchant's private key.
 */
const TEST_CARDS: Record<string, 'approved' | 'challenge' | FailureCode> = {
  '4242424242424242': 'approved',
  '5555555555554444': 'approved',
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000069': 'expired_card',
  '4000000000000127': 'incorrect_cvc',
  '4000002760003184': 'challenge',
  '4000002500003155': 'challenge',
};

/** The simulated processor's outcome for a card number: what its vault token remembers instead of the number. */
export const TEST_OUTCOME = (number: string): string => TEST_CARDS[number.replace(/\D/g, '')] ?? 'approved';

/** Decrypts and validates the card JWE; a typed failure code when it cannot be read. */
export async function decryptCard(jwe: string, privateKey: CryptoKey): Promise<CardPlaintext | FailureCode> {
  try {
    const { plaintext } = await compactDecrypt(jwe, privateKey, { keyManagementAlgorithms: ['RSA-OAEP-256'], contentEncryptionAlgorithms: ['A256GCM'] });
    const parsed = CardPlaintext.safeParse(JSON.parse(new TextDecoder().decode(plaintext)));
    return parsed.success ? parsed.data : 'invalid_card';
  } catch {
    return 'processing_error';
  }
}

export function authorizeCard(card: Pick<CardPlaintext, 'number' | 'expMonth' | 'expYear'>, now: Date): ProcessorResult {
  const number = validateCardNumber(card.number);
  if (!number.valid) return { status: 'declined', code: 'invalid_card' };
  if (!validateExpiry(card.expMonth, card.expYear, now).valid) return { status: 'declined', code: 'expired_card' };
  const outcome = TEST_CARDS[number.digits] ?? 'approved';
  const brand = detectBrand(number.digits) ?? 'card';
  const last4 = number.digits.slice(-4);
  if (outcome === 'approved' || outcome === 'challenge') return { status: outcome, brand, last4 };
  return { status: 'declined', code: outcome };
}
