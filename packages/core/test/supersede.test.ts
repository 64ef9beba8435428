import { describe, expect, it } from 'vitest';
import { type Crowding, crowding, type PendingCsr } from '../src/csr-policy/supersede.ts';

/** Each call is seen after the previous one, as a watch delivers them. */
let seen = 0;
const csr = (
  name: string,
  node: string,
  created: number,
  sans = [`DNS:${node}`, 'IP:10.0.0.1'],
): PendingCsr => ({
  name,
  node,
  sans,
  created,
  seen: seen++,
});

describe('newest CSR per node wins; a per-node cap stops a flood', () => {
  it.each<[string, PendingCsr[], number, Crowding]>([
    [
      'one CSR per node: nothing superseded',
      [csr('a', 'w1', 1), csr('b', 'w2', 2)],
      5,
      { superseded: [], capped: [] },
    ],
    [
      'an older CSR of the same node with the same SANs (in another order) is superseded by the newer',
      [csr('old', 'w1', 1), csr('new', 'w1', 2, ['IP:10.0.0.1', 'DNS:w1'])],
      5,
      { superseded: [{ name: 'old', by: 'new' }], capped: [] },
    ],
    [
      'three of the same: both older ones are superseded by the newest',
      [csr('c', 'w1', 3), csr('a', 'w1', 1), csr('b', 'w1', 2)],
      5,
      {
        superseded: [
          { name: 'b', by: 'c' },
          { name: 'a', by: 'c' },
        ],
        capped: [],
      },
    ],
    [
      'two CSRs of the same second (creationTimestamp has whole seconds): the one seen later wins',
      [csr('zz-first', 'w1', 5), csr('aa-second', 'w1', 5)],
      5,
      { superseded: [{ name: 'zz-first', by: 'aa-second' }], capped: [] },
    ],
    [
      'an older pending CSR stays superseded once the newer one is approved',
      [csr('old', 'w1', 1), { ...csr('new', 'w1', 2), approved: true }],
      5,
      { superseded: [{ name: 'old', by: 'new' }], capped: [] },
    ],
    [
      'an approved older CSR supersedes nothing newer, and is never itself superseded or capped',
      [{ ...csr('issued', 'w1', 1), approved: true }, csr('rotation', 'w1', 2)],
      1,
      { superseded: [], capped: [] },
    ],
    [
      'other SANs are another request: both are decided',
      [csr('a', 'w1', 1), csr('b', 'w1', 2, ['DNS:w1'])],
      5,
      { superseded: [], capped: [] },
    ],
    [
      'the same SANs from another node supersede nothing',
      [csr('a', 'w1', 1, ['IP:10.0.0.9']), csr('b', 'w2', 2, ['IP:10.0.0.9'])],
      5,
      { superseded: [], capped: [] },
    ],
    [
      'a node over the cap has only its newest requests decided',
      [1, 2, 3, 4].map((i) => csr(`f${i}`, 'w1', i, [`IP:10.0.0.${i}`])),
      2,
      { superseded: [], capped: ['f2', 'f1'] },
    ],
    [
      'the cap counts distinct requests, after superseding',
      [csr('a', 'w1', 1), csr('b', 'w1', 2), csr('c', 'w1', 3, ['DNS:w1'])],
      2,
      { superseded: [{ name: 'a', by: 'b' }], capped: [] },
    ],
  ])('%s', (_n, pending, cap, expected) => {
    expect(crowding(pending, cap)).toEqual(expected);
  });
});
