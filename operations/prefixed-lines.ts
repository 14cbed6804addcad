// The engine output of several stacks on one terminal (`npm run roll`, `npm run up`): each line
// prefixed with its stack's name, so that interleaved output stays readable.

/** Writes engine output line by line, each prefixed with the stack's name. */
export function prefixedLines(
  stack: string,
  print: (line: string) => void = (line) => console.log(line),
): { write(chunk: string): void; flush(): void } {
  let pending = "";
  return {
    write(chunk) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) if (line.trim() !== "") print(`[${stack}] ${line}`);
    },
    flush() {
      if (pending.trim() !== "") print(`[${stack}] ${pending}`);
      pending = "";
    },
  };
}
