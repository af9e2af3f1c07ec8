// Whether a file is a key store of ours at all, pure. Only a file with our format marker
// (whole, or damaged after it) may be read, set aside or replaced: anything else at
// store.path (a mistyped path, a symlink to a system file) is refused and left as it is.
export const STORE_FORMAT = "meshtastic-keysync/keys";

/**
 * The file at store.path is not a key store at all (no format marker): a mistyped path, or a
 * symlink to someone else's file. Refused (CLI: exit 2) and never moved, renamed or written:
 * only a damaged store of ours is set aside.
 */
export class StoreForeignError extends Error {
  override readonly name = "StoreForeignError";
  constructor(readonly path: string) {
    super(`${path} is not a meshtastic-keysync key store (no "format": "${STORE_FORMAT}" marker); it was left untouched: point store.path at a new file or at a key store`);
  }
}

// How every snapshot we write begins (serializeRecords), for a file cut short before its
// marker could be parsed: a prefix of this is still ours.
const HEAD = `{\n "format": "${STORE_FORMAT}",`;
const MARKER = /^\s*\{\s*"format"\s*:\s*"meshtastic-keysync\/keys"/;

/** Whether text that is not valid JSON still starts like one of our snapshots (damaged, not foreign). */
export function looksOurs(text: string): boolean {
  return MARKER.test(text.slice(0, 200)) || (text.length > 0 && HEAD.startsWith(text));
}

export function isOurDoc(doc: unknown): boolean {
  return typeof doc === "object" && doc !== null && !Array.isArray(doc) && (doc as Record<string, unknown>).format === STORE_FORMAT;
}

/** Throws StoreForeignError unless `text` is one of our snapshots, whole or damaged. */
export function assertStoreText(text: string, path: string): void {
  if (looksOurs(text)) return;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new StoreForeignError(path);
  }
  if (!isOurDoc(doc)) throw new StoreForeignError(path);
}
