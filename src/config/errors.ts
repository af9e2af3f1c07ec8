// Config problems in words a user can act on: each names the field, the value and what is
// allowed ("sync.interval: 5 is below the minimum 30"), instead of zod's generic messages.
import type { z } from "zod";
import { CONFIG_GROUPS, CONFIG_OPTIONS } from "./options.js";

export interface ConfigProblem {
  /** What is wrong: a config path ("sync.interval"), an environment variable or the file. */
  field: string;
  /** The value and what is allowed, e.g. "5 is below the minimum 30 (config.yaml line 4)". */
  message: string;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.field}: ${problem.message}`;
}

/**
 * A config the bridge cannot run with; the CLI prints each problem and exits 2. Other parts
 * (e.g. a store file written by a newer version) may throw it for the same exit code.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.problems = problems;
  }
}

/** "homeassistant.watch[1]" */
export function pathText(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text === "" ? "(the whole config)" : text;
}

/** A value as the user wrote it, short enough for one line. */
export function valueText(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "number") return String(value);
  // undefined for functions and symbols, which YAML and JSON cannot produce anyway
  const json = JSON.stringify(value) ?? typeof value;
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

const TYPE_WORDS: Record<string, string> = {
  int: "a whole number",
  number: "a number",
  boolean: "true or false",
  string: "a text",
  object: "a mapping of options (key: value)",
  array: "a list",
};

/** What is wrong with `value` according to one zod issue (unknown keys: see unknownKey). */
export function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const v = valueText(value);
  switch (issue.code) {
    case "invalid_type":
      // YAML reads `password: 123456` as a number (and 0123 as 123): only quotes keep it as written.
      if (issue.expected === "string" && (typeof value === "number" || typeof value === "boolean")) {
        return `${v} is not a text; put it in quotes to keep it as written, e.g. "${v}"`;
      }
      return `${v} is not ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case "too_small":
      if (issue.origin === "string") return "must not be empty";
      if (issue.origin === "array") return `${v} needs at least ${String(issue.minimum)} entries`;
      return `${v} is below the minimum ${String(issue.minimum)}`;
    case "too_big":
      if (issue.origin === "string" || issue.origin === "array") return `${v} is too long (at most ${String(issue.maximum)})`;
      return `${v} is above the maximum ${String(issue.maximum)}`;
    case "invalid_value":
      return `${v} is not one of ${issue.values.map((x) => String(x)).join(", ")}`;
    default:
      // Our own checks (custom, regex) carry messages written to follow the value.
      return value === undefined ? issue.message : `${v} ${issue.message}`;
  }
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}

const KNOWN_PATHS = [...CONFIG_GROUPS.map((g) => g.path), ...CONFIG_OPTIONS.map((o) => o.path)];

/** The known path closest to `wrong` (a typo a few letters off), if any. */
export function suggestPath(wrong: string, candidates: readonly string[] = KNOWN_PATHS): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(wrong.length / 4)) + 1;
  for (const candidate of candidates) {
    const d = distance(wrong.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** The message for an unknown key at `path` (its parent's path plus the key). */
export function unknownKey(path: string): string {
  const suggestion = suggestPath(path);
  if (suggestion !== undefined) return `unknown option (did you mean ${suggestion}?)`;
  const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
  const siblings = KNOWN_PATHS.filter((p) => (parent === "" ? !p.includes(".") : p.startsWith(`${parent}.`) && !p.slice(parent.length + 1).includes(".")));
  const where = parent === "" ? "the top-level options" : `the options of ${parent}`;
  return `unknown option; ${where} are: ${siblings.map((p) => p.slice(parent === "" ? 0 : parent.length + 1)).join(", ")}`;
}
