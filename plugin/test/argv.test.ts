import { describe, expect, it } from 'vitest';
import { moveGlobalFlagsAfterCommand } from '../src/argv.ts';

describe('global flags given before the command name (as kubectl passes them)', () => {
  it.each([
    [
      'moves --context with its value behind the command',
      ['--context', 'x', 'version'],
      ['version', '--context', 'x'],
    ],
    [
      'moves --flag=value forms',
      ['--kubeconfig=/k', '-o=json', 'version', '--client'],
      ['version', '--kubeconfig=/k', '-o=json', '--client'],
    ],
    [
      'moves several flags and keeps their order',
      ['--kubeconfig', '/k', '--context', 'c', '-o', 'yaml', 'version'],
      ['version', '--kubeconfig', '/k', '--context', 'c', '-o', 'yaml'],
    ],
    ['moves --debug', ['--debug', 'version'], ['version', '--debug']],
    [
      'leaves arguments alone when the command comes first',
      ['version', '--context', 'x'],
      ['version', '--context', 'x'],
    ],
    ['leaves a lone --help alone', ['--help'], ['--help']],
    ['does not treat a flag value as the command', ['--context', 'version'], ['--context', 'version']],
    [
      'stops at an unknown flag',
      ['--help', '--context', 'x', 'version'],
      ['--help', '--context', 'x', 'version'],
    ],
  ])('%s', (_name, input, expected) => {
    expect(moveGlobalFlagsAfterCommand(input)).toEqual(expected);
  });
});
