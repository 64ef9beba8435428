// Types of the two text libraries oclif's help uses that ship none (wrap-ansi 7, supports-color 8).
declare module 'wrap-ansi' {
  export default function wrapAnsi(
    input: string,
    columns: number,
    options?: { hard?: boolean; wordWrap?: boolean; trim?: boolean },
  ): string;
}
declare module 'supports-color' {
  const supportsColor: {
    supportsColor(stream?: { isTTY?: boolean }): false | { level: number };
  };
  export default supportsColor;
}
