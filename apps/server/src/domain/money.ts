/**
 * Money as integer minor units (cents), never floating point. An amount arrives as a JSON
 * number; its decimals are counted in the text as written (`12.50` has two, `12.505` three),
 * then it is read digit by digit into cents. Out it goes as a JSON number again: cents / 100 is
 * the double nearest to the two-decimal value, which JSON writes back as that value.
 */
import { ApiError, fieldViolation } from './errors.js';

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/** At most this many digits before the decimal point (the catalogue's 422.140). */
const INTEGER_DIGITS = 6;

function refuse(path: string, i18nKey: '422.014' | '422.140', detail: string, text: string): ApiError {
  const value = Number(text);
  return new ApiError('400.001', {}, [{ ...fieldViolation(path, 'Digits', detail, value), i18nKey }]);
}

/**
 * The amount in minor units, or a 400 naming `path`: more than two decimals (422.014), more than
 * six integer digits (422.140). `text` is the number as the client wrote it.
 */
export function minorUnits(path: string, text: string): number {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw refuse(path, '422.014', 'is not a decimal number', text);
  const [, minus, whole = '', fraction = '', exponent = '0'] = match;
  // The value is `digits` × 10^-scale: the exponent moves the decimal point, digits stay as written.
  const scale = fraction.length - Number(exponent);
  if (scale > 2) throw refuse(path, '422.014', 'has more than two decimals', text);
  const significant = (whole + fraction).replace(/^0+/, '');
  if (significant === '') return 0;
  // Counted before any digit is written out, so that `1e999999999` costs nothing.
  if (significant.length - scale > INTEGER_DIGITS) throw refuse(path, '422.140', 'has more than six integer digits', text);
  const minor = Number(significant + '0'.repeat(2 - scale));
  return minus ? -minor : minor;
}

/** Minor units as the JSON number the contract shows. */
export function fromMinor(minor: number): number {
  return minor / 100;
}

/** `numerator / denominator` of an integer, rounded half up (both positive). */
export function roundHalfUp(numerator: number, denominator: number): number {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}
