import { describe, expect, it } from 'vitest';
import { catalogFor, registerMessages, t } from './messages';

describe('locale resolution', () => {
  it('maps shopper tags to the catalogs that exist', () => {
    expect(catalogFor('pt-BR')).toBe('pt-BR');
    expect(catalogFor('pt-PT')).toBe('pt-BR');
    expect(catalogFor('ja-JP')).toBe('ja');
    expect(catalogFor('es-MX')).toBe('es');
    expect(catalogFor('zh-CN')).toBe('zh-CN');
    expect(catalogFor('zh-HK')).toBe('zh-TW');
    expect(catalogFor('zh-Hant-TW')).toBe('zh-TW');
    expect(catalogFor('zh')).toBe('zh-CN');
    expect(catalogFor('de-AT')).toBe('de');
    expect(catalogFor('en-US')).toBeUndefined();
    expect(catalogFor('nl-NL')).toBeUndefined();
    expect(catalogFor('ar-KW')).toBeUndefined();
  });

  it('falls back from region to language to English, and fills placeholders', () => {
    registerMessages('xx', { payAmount: 'Zahl {amount}' });
    expect(t('xx-YY', 'payAmount', { amount: '€5' })).toBe('Zahl €5');
    expect(t('xx-YY', 'total')).toBe('Total');
    expect(t('qq', 'payAmountWith', { amount: '$1', method: 'PIX' })).toBe('Pay $1 with PIX');
  });

  it('does not let on-demand defaults replace texts a merchant registered', () => {
    registerMessages('en', { copyCode: 'Copy the PIX code' });
    registerMessages('en', { copyCode: 'Copy code' }, true);
    expect(t('en', 'copyCode')).toBe('Copy the PIX code');
  });
});
