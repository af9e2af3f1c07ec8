// The option tables of the command lines (cli.ts, sim/command.ts): one entry per option
// gives node:util parseArgs its config and --help its line, so the parser and the help text
// cannot disagree.
import type { ParseArgsConfig } from "node:util";

export interface CliOption {
  type: "string" | "boolean";
  short?: string;
  /** The value's placeholder in --help, e.g. "FILE" (string options). */
  value?: string;
  /** The --help text; one string per line for a long one. */
  help: string | readonly string[];
}

export type CliOptions = Readonly<Record<string, CliOption>>;

type ParseArgsOptions = NonNullable<ParseArgsConfig["options"]>;

/** The table as parseArgs' `options`. */
export function parseArgsOptions<T extends CliOptions>(table: T): { [K in keyof T]: { type: T[K]["type"]; short?: string } } {
  const options: ParseArgsOptions = {};
  for (const [name, { type, short }] of Object.entries(table)) options[name] = short === undefined ? { type } : { type, short };
  return options as { [K in keyof T]: { type: T[K]["type"]; short?: string } };
}

/** "  -c, --config FILE   the config file to read": the text of every line starting after `width` columns of flags. */
export function optionHelpLines(table: CliOptions, width: number): string[] {
  const lines: string[] = [];
  for (const [name, option] of Object.entries(table)) {
    const flags = `${option.short === undefined ? "" : `-${option.short}, `}--${name}${option.value === undefined ? "" : ` ${option.value}`}`;
    const [first = "", ...more] = typeof option.help === "string" ? [option.help] : option.help;
    // At least two spaces between the flags and the text, even for a long flag.
    lines.push(`  ${flags.padEnd(width - 2)}  ${first}`);
    for (const line of more) lines.push(`  ${"".padEnd(width)}${line}`);
  }
  return lines;
}
