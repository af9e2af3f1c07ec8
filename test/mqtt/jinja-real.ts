// A real Jinja implementation (@huggingface/jinja) for what jinja-lite does not cover (the
// examples' templates) and to check that every discovery template is Jinja at all. It is not
// Home Assistant: it prints null as "" and booleans lowercase, so callers compare only text
// results, and HA's to_json is spelt tojson there.
import { Template } from "@huggingface/jinja";

/** Parses `template` as Jinja; throws on a syntax error. */
export function parseJinja(template: string): Template {
  return new Template(template.replaceAll("to_json", "tojson"));
}

/** Renders with value_json bound as HA binds it (absent when the payload is no JSON). */
export function realRender(template: string, payload: string, extra: Record<string, unknown> = {}): string {
  const context: Record<string, unknown> = { ...extra };
  try {
    context.value_json = JSON.parse(payload);
  } catch {
    // HA leaves value_json undefined.
  }
  return parseJinja(template).render(context);
}
