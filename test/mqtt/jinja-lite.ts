// A tiny evaluator for the few Jinja forms our discovery templates use, so tests can check
// what Home Assistant would render from the payloads the bridge publishes. Anything else
// throws: a new template form must be taught here first (and kept simple).
//   {{ value_json.a.b }}
//   {{ value_json.x | to_json }}
//   {{ 'A' if value_json.x else 'B' }}
//   {{ 'A' if value_json.x == 'lit' else 'B' }}   (also !=, >, <, >=, <= against a number)

type Json = unknown;

export function render(template: string, payload: string): string {
  let valueJson: Json;
  try {
    valueJson = JSON.parse(payload);
  } catch {
    valueJson = undefined;
  }
  return template.replace(/\{\{(.*?)\}\}/gs, (_, expr: string) => evalExpr(expr.trim(), valueJson));
}

function evalExpr(expr: string, valueJson: Json): string {
  const conditional = /^'([^']*)' if (.+) else '([^']*)'$/.exec(expr);
  if (conditional) {
    const [, yes, cond, no] = conditional as unknown as [string, string, string, string];
    return evalCondition(cond.trim(), valueJson) ? yes : no;
  }
  const filtered = /^(\S+)\s*\|\s*to_json$/.exec(expr);
  if (filtered) return JSON.stringify(lookup(filtered[1]!, valueJson) ?? null);
  return pythonStr(lookup(expr, valueJson));
}

function evalCondition(cond: string, valueJson: Json): boolean {
  const cmp = /^(\S+)\s*(==|!=|>=|<=|>|<)\s*(.+)$/.exec(cond);
  if (!cmp) return truthy(lookup(cond, valueJson));
  const [, path, op, rawLiteral] = cmp as unknown as [string, string, string, string];
  const left = lookup(path, valueJson);
  const literal = parseLiteral(rawLiteral.trim());
  switch (op) {
    case "==":
      return left === literal;
    case "!=":
      return left !== literal;
    default: {
      if (typeof left !== "number" || typeof literal !== "number") {
        throw new Error(`cannot compare ${String(left)} ${op} ${String(literal)} (Jinja would raise)`);
      }
      return op === ">" ? left > literal : op === "<" ? left < literal : op === ">=" ? left >= literal : left <= literal;
    }
  }
}

function parseLiteral(text: string): string | number {
  const str = /^'([^']*)'$/.exec(text);
  if (str) return str[1]!;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  throw new Error(`unsupported literal: ${text}`);
}

function lookup(path: string, valueJson: Json): Json {
  if (!/^value_json(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) throw new Error(`unsupported expression: ${path}`);
  let value: Json = valueJson;
  for (const key of path.split(".").slice(1)) {
    if (typeof value !== "object" || value === null || !(key in value)) {
      // HA renders a missing attribute as empty text and logs a warning: treat as a test failure.
      throw new Error(`template refers to ${path}, which the payload does not have`);
    }
    value = (value as Record<string, Json>)[key];
  }
  return value;
}

function truthy(value: Json): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Python's str() for JSON values, which is what Jinja prints. */
function pythonStr(value: Json): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw new Error("printing an object or list: use | to_json");
}
