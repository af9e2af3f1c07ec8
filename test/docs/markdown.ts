// Just enough Markdown reading for the doc-coverage test: fenced blocks, inline code spans,
// links, heading anchors. Pure functions over the text, so the rules they implement are
// tested on small inputs (markdown.test.ts) before they judge the real pages.
import { parse } from "yaml";

export interface Fence {
  /** The info string after the opening ``` (e.g. "yaml"), "" when none. */
  lang: string;
  body: string;
}

const FENCE = /^```([^\n`]*)\n([\s\S]*?)^```[ \t]*$/gm;

/** Every fenced code block, in order. */
export function fences(markdown: string): Fence[] {
  return [...markdown.matchAll(FENCE)].map((m) => ({ lang: (m[1] ?? "").trim(), body: m[2] ?? "" }));
}

/** The text with its fenced blocks blanked out: prose, tables and headings only. */
export function prose(markdown: string): string {
  return markdown.replace(FENCE, "");
}

/** The contents of every inline code span (`...`) outside fenced blocks. */
export function codeSpans(markdown: string): string[] {
  return [...prose(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? "");
}

/**
 * Every dotted key path of the YAML blocks (```yaml), e.g. `radio:\n  host: x` gives
 * "radio" and "radio.host". A block that is not valid YAML on its own contributes nothing.
 */
export function yamlKeyPaths(markdown: string): Set<string> {
  const paths = new Set<string>();
  const walk = (node: unknown, prefix: string): void => {
    if (node === null || typeof node !== "object" || Array.isArray(node)) return;
    for (const [key, value] of Object.entries(node)) {
      const path = prefix === "" ? key : `${prefix}.${key}`;
      paths.add(path);
      walk(value, path);
    }
  };
  for (const fence of fences(markdown)) {
    if (fence.lang !== "yaml" && fence.lang !== "yml") continue;
    try {
      walk(parse(fence.body), "");
    } catch {
      // An excerpt that is not a whole document; the inline-code rule still applies.
    }
  }
  return paths;
}

export interface Link {
  /** The target as written, e.g. "docs/store.md#backup". */
  target: string;
  line: number;
}

/** Inline links and images outside fenced blocks and code spans: [text](target). */
export function links(markdown: string): Link[] {
  const found: Link[] = [];
  // Blocks are blanked to their line breaks, so line numbers stay those of the file.
  const lines = markdown.replace(FENCE, (block) => block.replace(/[^\n]/g, "")).split("\n");
  lines.forEach((text, index) => {
    const withoutCode = text.replace(/`[^`]*`/g, "");
    for (const m of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      found.push({ target: m[1] ?? "", line: index + 1 });
    }
  });
  return found;
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces to "-". */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor a page offers: its headings' (duplicates numbered -1, -2, ...) and <a id>s. */
export function anchors(markdown: string): Set<string> {
  const result = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(markdown).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] ?? "");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) result.add(m[1] ?? "");
  return result;
}
