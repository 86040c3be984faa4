import { ZohoError } from '../../src/zoho/zoho-errors.js';

/** The ZohoError a call fails with; any other outcome fails the test. */
export async function zohoFailureOf(promise: Promise<unknown>): Promise<ZohoError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ZohoError) return error;
    throw error;
  }
  throw new Error('expected a ZohoError');
}
