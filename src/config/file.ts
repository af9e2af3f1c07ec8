// Reading the YAML config file: its values, its syntax errors with line and column, and the
// line of any path, so that a schema problem can point into the file.
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { isPlainObject } from "../json.js";
import type { ConfigProblem } from "./errors.js";

export interface ConfigFile {
  /** The values; {} for an empty file. */
  data: Record<string, unknown>;
  /** The line (1-based) of the deepest part of `path` the file contains. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a directory",
};

/** The text of the file, or null when it does not exist and `optional`. */
export function readText(file: string, optional: boolean): { text: string } | { problem: ConfigProblem } | null {
  try {
    return { text: readFileSync(file, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (optional && code === "ENOENT") return null;
    const reason = READ_ERRORS[code] ?? (error as Error).message;
    return { problem: { field: file, message: `cannot read the config file: ${reason}` } };
  }
}

function lineFinder(doc: Document, lines: LineCounter): ConfigFile["lineOf"] {
  return (path) => {
    let node: unknown = doc.contents;
    let offset: number | undefined;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && item.key.value === part);
        if (pair === undefined) break;
        offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof part === "number") {
        node = node.items[part];
        offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lines.linePos(offset).line;
  };
}

/** Parses the file's text; problems name `display` (the file as the user gave it). */
export function parseConfigFile(text: string, display: string): { file: ConfigFile } | { problems: ConfigProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return { field: display, message: `invalid YAML at line ${line}, column ${col}: ${error.message}` };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // e.g. an alias bomb over the yaml package's maxAliasCount
    return { problems: [{ field: display, message: `invalid YAML: ${(error as Error).message}` }] };
  }
  if (data === null || data === undefined) data = {};
  if (!isPlainObject(data)) {
    return { problems: [{ field: display, message: "must be a mapping of options (key: value), not a list or a single value" }] };
  }
  return { file: { data, lineOf: lineFinder(doc, lines) } };
}
