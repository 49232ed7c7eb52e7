import { describe, expect, it } from 'vitest';
import messagesSource from '../messages.ts?raw';
import { hasMessage, LOCALES, registerMessages, t, type MessageKey, type Messages } from '../messages';
import { actionMessages, couponMessages } from '../../payment-action/payment-action';
import de from './de';
import es from './es';
import fr from './fr';
import ja from './ja';
import ko from './ko';
import ptBR from './pt-BR';
import zhCN from './zh-CN';
import zhTW from './zh-TW';

const catalogs: Record<string, Partial<Messages>> = {
  'zh-CN': zhCN,
  'zh-TW': zhTW,
  ja,
  ko,
  'pt-BR': ptBR,
  es,
  fr,
  de,
};

/** The English catalog is not exported, so read its `const en = { … } as const;` block from source. */
function parseEnglishCatalog(source: string): Record<string, string> {
  const block = /const en = \{([\s\S]*?)\n\} as const;/.exec(source)?.[1];
  if (!block) throw new Error('could not find `const en = {…} as const;` in messages.ts');
  const entries: Record<string, string> = {};
  for (const m of block.matchAll(/^\s*(?:'([^']+)'|(\w+)):\s*'((?:[^'\\]|\\.)*)',?\s*$/gm)) {
    entries[(m[1] ?? m[2])!] = m[3]!;
  }
  return entries;
}

const en = parseEnglishCatalog(messagesSource);
const english: Record<string, string> = { ...en, ...actionMessages, ...(couponMessages as Record<string, string>) };
const englishKeys = Object.keys(english).sort();

/** Texts that read the same in some languages (international words, pure notation). */
const SAME_AS_ENGLISH_OK = new Set(['subtotal', 'total', 'installmentOption']);

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();

describe('English reference catalog', () => {
  it('is parsed completely from messages.ts', () => {
    expect(Object.keys(en).length).toBeGreaterThanOrEqual(50);
    for (const key of Object.keys(en)) expect(hasMessage('en', key as MessageKey), key).toBe(true);
    // Every line of the block that looks like an entry was parsed.
    const block = /const en = \{([\s\S]*?)\n\} as const;/.exec(messagesSource)![1]!;
    expect(block.split('\n').filter((l) => /^\s*['\w.]+:/.test(l)).length).toBe(Object.keys(en).length);
  });
});

describe('locale catalogs', () => {
  it('exist for exactly the locales Till loads', () => {
    expect(Object.keys(catalogs).sort()).toEqual([...LOCALES].sort());
  });

  describe.each(Object.entries(catalogs))('%s', (locale, messages) => {
    it('translates exactly the English key set', () => {
      expect(Object.keys(messages).sort()).toEqual(englishKeys);
    });

    it('keeps every {placeholder} of the English text', () => {
      for (const key of englishKeys) {
        expect(placeholders(messages[key as MessageKey] ?? ''), `${locale} ${key}`).toEqual(placeholders(english[key]!));
      }
    });

    it('has no empty or untranslated texts', () => {
      for (const key of englishKeys) {
        const text = messages[key as MessageKey] ?? '';
        expect(text.trim(), `${locale} ${key}`).not.toBe('');
        if (!SAME_AS_ENGLISH_OK.has(key)) expect(text, `${locale} ${key}`).not.toBe(english[key]);
      }
    });

    it('renders through t() with parameters filled in', () => {
      registerMessages(locale, messages);
      const out = t(locale, 'payAmountWith', { amount: '9,99 €', method: 'PIX' });
      expect(out).toContain('9,99 €');
      expect(out).toContain('PIX');
      expect(out).not.toMatch(/\{\w+\}/);
    });
  });
});
