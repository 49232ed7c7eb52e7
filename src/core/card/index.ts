export { brandInfo, detectBrand, matchBrands } from './brands';
export type { BrandInfo } from './brands';
export {
  containsCardNumber,
  formatCardNumber,
  luhn,
  parseExpiryInput,
  validateCardNumber,
  validateCvc,
  validateExpiry,
} from './validate';
export type { CardNumberResult, ExpiryResult } from './validate';
