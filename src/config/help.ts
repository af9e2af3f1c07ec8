// The config part of --help, generated from the option list so it lists every option with
// its default and environment variable, always matching what the loader accepts.
import { CONFIG_OPTIONS, ENV_PREFIX } from "./options.js";

export function optionsHelp(): string {
  const lines = [
    "Config options (config.yaml key, default, environment variable):",
    `Every option can also be set as ${ENV_PREFIX}<PATH> (path upper-cased, "_" between`,
    "levels); the environment wins over the file. Numbers and true/false are parsed; lists",
    "and mappings are given as JSON, e.g.",
    `  ${ENV_PREFIX}HOMEASSISTANT_WATCH='["!a76f40da"]'`,
    "",
  ];
  for (const option of CONFIG_OPTIONS) {
    lines.push(`  ${option.path} (default: ${option.defaultText})`);
    lines.push(`      ${option.description}`);
    lines.push(`      env ${option.env}`);
  }
  return lines.join("\n");
}
