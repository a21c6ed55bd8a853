/**
 * The client's web-standard replacements for Node APIs, checked against the Node APIs themselves (the server
 * validates `ip_address` with `net.isIP`, and body sizes are what Buffer.byteLength says), and the traceparent
 * format of the W3C trace context.
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIpAddress } from '../../../packages/client/src/ip-address.js';
import { utf8ByteLength } from '../../../packages/client/src/runtime.js';
import { isTraceparent, traceHeaders } from '../../../packages/client/src/traceparent.js';

describe('isIpAddress (no node:net)', () => {
  it.each([
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::2:3:4:5:6:7:8',
    '1::2:3:4:5:6:7:8',
    '1:2:3:4:5:6:1.2.3.4',
    '::ffff:192.168.0.1',
    '1:2:3:4:5:6:7:1.2.3.4',
    '1.2.3.4::',
    'fe80::1%eth0',
    'fe80::1%',
    'fe80::1%a b',
    '01.2.3.4',
    '192.168.0.1',
    '256.1.1.1',
    ':1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5::1.2.3.4',
    '12345::',
    '1.2.3.4%x',
    ':::',
    '',
  ])('%j: the same answer as net.isIP', (value) => {
    expect(isIpAddress(value)).toBe(isIP(value) !== 0);
  });

  it('gives the same answer as net.isIP for strings built from address parts', () => {
    const part = fc.oneof(
      fc.constantFrom('', ':', '::', '.', '%', '1', 'ffff', '0', '255', '256', '1.2.3.4', 'g', 'eth0'),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 5 }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const value = parts.join('');
        return isIpAddress(value) === (isIP(value) !== 0);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('utf8ByteLength (no Buffer)', () => {
  it('counts what Buffer.byteLength counts, lone surrogates included', () => {
    const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: codeUnit }));
    fc.assert(
      fc.property(text, (s) => utf8ByteLength(s) === Buffer.byteLength(s)),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['a', 1],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['\ud83d', 3],
  ])('%j is %i bytes', (s, bytes) => {
    expect(utf8ByteLength(s)).toBe(bytes);
  });
});

describe('traceparent', () => {
  const valid = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it.each([
    [valid, true],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', false],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', false],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', false],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7', false],
    [`${valid}\r\nx-injected: 1`, false],
  ])('%j is a traceparent: %s', (value, expected) => {
    expect(isTraceparent(value)).toBe(expected);
  });

  it('when the hook returns nothing valid or throws, then no header is sent', () => {
    expect(traceHeaders(() => valid)).toEqual({ traceparent: valid });
    expect(traceHeaders(undefined)).toEqual({});
    expect(traceHeaders(() => undefined)).toEqual({});
    expect(traceHeaders(() => 'nonsense')).toEqual({});
    expect(
      traceHeaders(() => {
        throw new Error('no active span');
      }),
    ).toEqual({});
  });
});
