// Small rules for values that came from JSON or YAML (config files, environment variables,
// MQTT payloads), shared so each is spelled once.

/** A mapping (`{...}`), not an array, null or a scalar. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Maximum nesting of `[`/`{` outside strings, found in one pass without recursion: checked
 * before JSON.parse, since a value nested thousands deep overflows the stack of whatever
 * walks it next (validation, cloning, error messages).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}
