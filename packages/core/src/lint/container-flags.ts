import { isScalar, isSeq, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';

/** One use of a command-line flag in a container's args or command. */
export interface FlagUse {
  seq: YAMLSeq;
  index: number;
  /** The item holding the flag (`--flag=value` or `--flag`). */
  node: Scalar;
  /** The value: after `=`, or the next item when the flag stands alone (pflag accepts both). */
  value: string | undefined;
  /** The node holding the value (the flag item itself for `--flag=value`). */
  valueNode: Scalar | undefined;
}

/** Every use of `--<name>` in the container's args and command, as pflag would read them. */
export function flagUses(container: YAMLMap, name: string): FlagUse[] {
  const flag = `--${name}`;
  return ['args', 'command'].flatMap((key) => {
    const seq = container.get(key, true);
    if (!isSeq(seq)) return [];
    return seq.items.flatMap((node, index): FlagUse[] => {
      if (!isScalar(node) || typeof node.value !== 'string') return [];
      if (node.value.startsWith(`${flag}=`))
        return [{ seq, index, node, value: node.value.slice(flag.length + 1), valueNode: node }];
      if (node.value !== flag) return [];
      const next = seq.items[index + 1];
      const value = isScalar(next) && typeof next.value === 'string' ? next : undefined;
      return [{ seq, index, node, value: value?.value as string | undefined, valueNode: value }];
    });
  });
}
