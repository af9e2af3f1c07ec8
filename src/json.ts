// Small rules for values that came from JSON or YAML (config files, environment variables,
// MQTT payloads), shared so each is spelled once.

/** A mapping (`{...}`), not an array, null or a scalar. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
