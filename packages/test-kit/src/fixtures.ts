/**
 * Request bodies that tests and the bench send again and again, written once. They are the
 * public API's shapes (see the spec), not the server's internals.
 */

/** Sandbox card numbers and their verification code lengths (../shared/API-REFERENCE-FUNDING.md). */
export const SANDBOX_CARDS = {
  visa: { number: '4111111111111111', verificationNumber: '123' },
  mastercard: { number: '5555555555554444', verificationNumber: '123' },
  discover: { number: '6011111111111117', verificationNumber: '123' },
  amex: { number: '378282246310005', verificationNumber: '1234' },
};

/** A card as POST /creditCards takes it: its number and verification code. */
export interface SandboxCard {
  number: string;
  verificationNumber: string;
}

/** A body of POST /creditCards that registers a sandbox card (the Visa by default) on an account. */
export function sandboxCardRequest(
  customerIdentifier: string,
  accountIdentifier: string,
  { label = 'Finance team card', card = SANDBOX_CARDS.visa as SandboxCard, expiration = '2099-12' } = {},
) {
  return {
    customerIdentifier,
    accountIdentifier,
    ipAddress: '203.0.113.10',
    label,
    creditCard: { number: card.number, verificationNumber: card.verificationNumber, expiration },
    billingAddress: {
      firstName: 'Pat',
      lastName: 'Jones',
      addressLine1: '4700 42nd Ave SW',
      city: 'Seattle',
      state: 'WA',
      postalCode: '98116',
      country: 'US',
      emailAddress: 'pat@acme.example',
    },
  };
}
