import { describe, expect, it } from 'vitest';
import { normalizeIp } from '../src/x509/subject-alt-names.ts';

describe('IP addresses are compared in one canonical form, parsed as strictly as Go', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['255.255.255.255', '255.255.255.255'],
    ['0.0.0.0', '0.0.0.0'],
    ['fd00:0:0:0:0:0:0:11', 'fd00::11'],
    ['FD00::11', 'fd00::11'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['2001:db8::1', '2001:db8::1'],
  ])('%s is %s', (input, canonical) => expect(normalizeIp(input)).toBe(canonical));

  it.each([
    '010.0.0.1',
    '10.0.0',
    '10.1',
    '167772161',
    '0x0a000001',
    '256.0.0.1',
    '10.0.0.1 ',
    '',
    'worker-1',
    '10.0.0.1/24',
    ':::1',
  ])('refuses %j', (input) => expect(normalizeIp(input)).toBeUndefined());
});
