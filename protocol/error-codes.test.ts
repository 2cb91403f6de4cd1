import { describe, expect, it } from 'vitest';
import { DEFAULT_ERROR_MESSAGES, ERROR_CODES, ErrorCode, ERRORS, httpStatusOf, isErrorCode } from './error-codes.ts';

describe('the error table', () => {
  it('gives every code its name, default message and HTTP status from one row', () => {
    expect(ERROR_CODES).toEqual(Object.keys(ERRORS));
    for (const code of ERROR_CODES) {
      expect(ErrorCode[code]).toBe(code);
      expect(DEFAULT_ERROR_MESSAGES[code]).toBe(ERRORS[code].message);
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
      expect(httpStatusOf(code)).toBeLessThan(600);
      expect(isErrorCode(code)).toBe(true);
    }
    expect(isErrorCode('NOPE')).toBe(false);
  });

  it('has the REST statuses the docs promise', () => {
    const codes: ErrorCode[] = [
      'VALIDATION_FAILED',
      'INVALID_JSON',
      'AUTH_REQUIRED',
      'FORBIDDEN',
      'NOT_FOUND',
      'METHOD_NOT_ALLOWED',
      'MESSAGE_TOO_LARGE',
      'UNAVAILABLE',
      'INTERNAL',
    ];
    expect(Object.fromEntries(codes.map((c) => [c, httpStatusOf(c)]))).toEqual({
      VALIDATION_FAILED: 400,
      INVALID_JSON: 400,
      AUTH_REQUIRED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      METHOD_NOT_ALLOWED: 405,
      MESSAGE_TOO_LARGE: 413,
      UNAVAILABLE: 503,
      INTERNAL: 500,
    });
  });
});
