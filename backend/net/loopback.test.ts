import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, isLoopbackHost } from './loopback.ts';

describe('isLoopbackHost (issue 11, defect 6)', () => {
  it('accepts only real loopback addresses and localhost, with or without a port', () => {
    for (const host of [
      'localhost',
      'LOCALHOST',
      '127.0.0.1',
      '127.1.2.3',
      '127.255.255.255',
      '::1',
      '[::1]',
      '[::1]:8000',
      '127.0.0.1:8000',
      'localhost:80',
      '0:0:0:0:0:0:0:1',
    ]) {
      expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: true });
    }
    for (const host of [
      '127.example.com',
      '127.0.0.1.nip.io',
      '127.0.0.1.',
      'localhost.evil.test',
      'app.localhost',
      '128.0.0.1',
      '0.0.0.0',
      '::',
      '[::2]',
      '::ffff:127.0.0.1x',
      '127.0.0.256',
      '1270.0.0.1',
      '',
      undefined,
      null,
      '[::1',
      '[::1]x',
    ]) {
      expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: false });
    }
  });
});

describe('isLoopbackAddress (a peer socket address)', () => {
  it('accepts 127.0.0.0/8, its IPv4-mapped form and ::1; nothing else', () => {
    for (const address of ['127.0.0.1', '127.9.8.7', '::ffff:127.0.0.1', '::FFFF:127.0.0.2', '::1']) {
      expect({ address, loopback: isLoopbackAddress(address) }).toEqual({ address, loopback: true });
    }
    for (const address of ['localhost', '10.0.0.1', '::ffff:10.0.0.1', '::2', '[::1]', '127.0.0.1:80', '', undefined, null]) {
      expect({ address, loopback: isLoopbackAddress(address) }).toEqual({ address, loopback: false });
    }
  });
});
