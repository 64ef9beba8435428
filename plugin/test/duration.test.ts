import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/duration.ts';

describe('kubectl-style durations', () => {
  it.each([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['15', 15_000],
    ['0', 0],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text, '--x')).toBe(ms));

  it.each(['', 'soon', '10x', '5s garbage', '-1s'])('refuses %j with a message naming the flag', (text) => {
    expect(() => parseDuration(text, '--request-timeout')).toThrow(/^invalid --request-timeout/);
  });
});
