/** Money as minor units: decimals counted as written, no floating point on the way in or out. */
import { expect, test } from 'vitest';
import { depositFee } from '../../src/domain/funding-service.js';
import { fromMinor, minorUnits } from '../../src/domain/money.js';
import type { ApiError } from '../../src/domain/errors.js';

const keyOf = (text: string): string | undefined => {
  try {
    minorUnits('amount', text);
    return undefined;
  } catch (error) {
    return (error as ApiError).errors?.[0]?.i18nKey;
  }
};

test('reads amounts exactly, whatever way JSON writes them', () => {
  expect(minorUnits('amount', '1.25')).toBe(125);
  expect(minorUnits('amount', '12.50')).toBe(1250);
  expect(minorUnits('amount', '0.1')).toBe(10);
  expect(minorUnits('amount', '1e-2')).toBe(1);
  expect(minorUnits('amount', '1.5E2')).toBe(15000);
  expect(minorUnits('amount', '999999.99')).toBe(99_999_999);
  expect(minorUnits('amount', '0')).toBe(0);
  expect(minorUnits('amount', '-0.00')).toBe(0);
  expect(minorUnits('amount', '-3.5')).toBe(-350);
});

test('more than two decimals as written is 422.014; more than six integer digits 422.140', () => {
  expect(keyOf('12.505')).toBe('422.014');
  expect(keyOf('0.100')).toBe('422.014');
  expect(keyOf('5e-324')).toBe('422.014');
  expect(keyOf('1234567')).toBe('422.140');
  expect(keyOf('1e7')).toBe('422.140');
  // A huge exponent is judged without writing its digits out.
  expect(keyOf('1e999999999')).toBe('422.140');
  expect(keyOf('0e999999999')).toBeUndefined();
  expect(minorUnits('amount', '0e500000000')).toBe(0);
  expect(keyOf('0e-999999999')).toBe('422.014');
  expect(keyOf('1e999999999999999999999')).toBe('422.140');
  expect(keyOf('1e-999999999999999999999')).toBe('422.014');
  expect(keyOf('Infinity')).toBe('422.014');
});

test('0.10 + 0.20 is 0.30, and the fee is 3.5 % rounded half up to the cent', () => {
  expect(fromMinor(minorUnits('a', '0.10') + minorUnits('a', '0.20'))).toBe(0.3);
  expect(depositFee(125)).toBe(4);
  expect(depositFee(10_000)).toBe(350);
  expect(depositFee(300)).toBe(11);
  expect(depositFee(23_700)).toBe(830);
  // 0.10 × 3.5 % = 0.0035: rounds down; 0.30 × 3.5 % = 0.0105: rounds up.
  expect(depositFee(10)).toBe(0);
  expect(depositFee(30)).toBe(1);
});
