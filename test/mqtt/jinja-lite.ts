// An evaluator for the Jinja expressions our discovery templates use, with Home Assistant's
// semantics where they matter for its log: a template that touches a field the payload does
// not have, or uses value_json when the payload is no JSON (the empty retained clear), is an
// error here (HA logs "Template variable warning/error" for those). `is defined` is the one
// way to ask. Anything outside this subset throws: teach it here first.
//   {{ EXPR }} blocks only; EXPR: 'str' | 123 | value_json | ( EXPR ) | EXPR.name | EXPR[:N]
//   | EXPR | to_json | EXPR is [not] defined | ==, !=, >, <, >=, <= | not, and, or
//   | A if COND else B | None | value (a command template's input) | EXPR | round(N) | EXPR | int
// Printing follows Python's str() (None, True, False); to_json is compact, as HA's orjson.

type Value = unknown;
/** Parsing yields thunks: Jinja evaluates only the branch (and operand) it takes. */
type Lazy = () => Value;

class Undefined {
  constructor(readonly why: string) {}
}

export function render(template: string, payload: string): string {
  let valueJson: Value;
  try {
    valueJson = JSON.parse(payload);
  } catch {
    valueJson = new Undefined("'value_json' is undefined (the payload is not JSON)");
  }
  return evaluate(template, valueJson, new Undefined("'value' is undefined (not a command template)"));
}

/** A command template (number, button): HA binds the entity's new value to `value`. */
export function renderCommand(template: string, value: number | string): string {
  return evaluate(template, new Undefined("'value_json' is undefined in a command template"), value);
}

function evaluate(template: string, valueJson: Value, value: Value): string {
  if (template.includes("{%")) throw new Error("statements are not supported");
  return template.replace(/\{\{(.*?)\}\}/gs, (_, expr: string) => pythonStr(use(new Parser(expr, valueJson, value).parse()())));
}

/** The value, or the Jinja error HA would log for using an undefined one. */
function use(v: Value): Value {
  if (v instanceof Undefined) throw new Error(`template uses an undefined value: ${v.why}`);
  return v;
}

class Parser {
  private readonly tokens: string[];
  private pos = 0;

  constructor(
    expr: string,
    private readonly valueJson: Value,
    private readonly value: Value,
  ) {
    this.tokens = expr.match(/'[^']*'|"[^"]*"|\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|==|!=|>=|<=|[><()[\].:|]|\S/g) ?? [];
  }

  parse(): Lazy {
    const v = this.ternary();
    if (this.pos < this.tokens.length) throw new Error(`unsupported syntax at "${this.tokens.slice(this.pos).join(" ")}"`);
    return v;
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private take(expected?: string): string {
    const t = this.tokens[this.pos++];
    if (t === undefined || (expected !== undefined && t !== expected)) throw new Error(`expected ${expected ?? "a token"}, got ${t}`);
    return t;
  }

  private ternary(): Lazy {
    const yes = this.or();
    if (this.peek() !== "if") return yes;
    this.take("if");
    const cond = this.or();
    this.take("else");
    const no = this.ternary();
    return () => (truthy(use(cond())) ? yes() : no());
  }

  private or(): Lazy {
    let left = this.and();
    while (this.peek() === "or") {
      this.take();
      const [l, r] = [left, this.and()];
      left = () => {
        const v = l();
        return truthy(use(v)) ? v : r();
      };
    }
    return left;
  }

  private and(): Lazy {
    let left = this.not();
    while (this.peek() === "and") {
      this.take();
      const [l, r] = [left, this.not()];
      left = () => {
        const v = l();
        return truthy(use(v)) ? r() : v;
      };
    }
    return left;
  }

  private not(): Lazy {
    if (this.peek() !== "not") return this.comparison();
    this.take();
    const operand = this.not();
    return () => !truthy(use(operand()));
  }

  private comparison(): Lazy {
    const left = this.postfix();
    const op = this.peek();
    if (op === "is") {
      this.take();
      const negate = this.peek() === "not" ? (this.take(), true) : false;
      this.take("defined");
      return () => negate === left() instanceof Undefined;
    }
    if (op === undefined || !["==", "!=", ">", "<", ">=", "<="].includes(op)) return left;
    this.take();
    const right = this.postfix();
    return () => {
      const a = use(left());
      const b = use(right());
      if (op === "==") return equal(a, b);
      if (op === "!=") return !equal(a, b);
      if (typeof a !== "number" || typeof b !== "number") throw new Error(`cannot compare ${String(a)} ${op} ${String(b)} (Jinja would raise)`);
      return op === ">" ? a > b : op === "<" ? a < b : op === ">=" ? a >= b : a <= b;
    };
  }

  private postfix(): Lazy {
    let v = this.primary();
    for (;;) {
      const t = this.peek();
      const inner = v;
      if (t === ".") {
        this.take();
        const key = this.take();
        v = () => attribute(inner(), key);
      } else if (t === "[") {
        this.take();
        this.take(":");
        const end = Number(this.take());
        this.take("]");
        v = () => {
          const s = use(inner());
          if (typeof s !== "string" && !Array.isArray(s)) throw new Error("slicing what is neither text nor a list");
          return s.slice(0, end);
        };
      } else if (t === "|") {
        this.take();
        v = this.filter(this.take(), inner);
      } else {
        return v;
      }
    }
  }

  private filter(name: string, inner: Lazy): Lazy {
    if (name === "to_json") return () => JSON.stringify(use(inner()) ?? null);
    if (name === "int") return () => Math.trunc(number(use(inner())));
    if (name === "round") {
      this.take("(");
      const digits = Number(this.take());
      this.take(")");
      // Python's round(): halves go to the even neighbour.
      return () => {
        const scaled = number(use(inner())) * 10 ** digits;
        const floor = Math.floor(scaled);
        const diff = scaled - floor;
        const even = diff === 0.5 ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(scaled);
        return even / 10 ** digits;
      };
    }
    throw new Error(`unsupported filter: ${name}`);
  }

  private primary(): Lazy {
    const t = this.take();
    if (t === "(") {
      const v = this.ternary();
      this.take(")");
      return v;
    }
    if (/^'[^']*'$|^"[^"]*"$/.test(t)) return () => t.slice(1, -1);
    if (/^\d/.test(t)) return () => Number(t);
    if (t === "value_json") return () => this.valueJson;
    if (t === "value") return () => this.value;
    if (t === "None") return () => null;
    throw new Error(`unsupported expression: ${t}`);
  }
}

function attribute(v: Value, key: string): Value {
  const o = use(v);
  if (typeof o !== "object" || o === null || Array.isArray(o) || !(key in o)) {
    // HA renders a missing attribute as empty text and logs a warning.
    return new Undefined(`the payload has no "${key}"`);
  }
  return (o as Record<string, Value>)[key];
}

function number(v: Value): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || Number.isNaN(n)) throw new Error(`not a number: ${String(v)}`);
  return n;
}

function equal(a: Value, b: Value): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function truthy(value: Value): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object" && value !== null) return Object.keys(value).length > 0;
  return Boolean(value);
}

/** Python's str() for JSON values, which is what Jinja prints. */
function pythonStr(value: Value): string {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw new Error("printing an object or list: use | to_json");
}

