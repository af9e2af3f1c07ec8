// The evaluator the discovery tests rely on must itself behave like Jinja for its forms.
import { describe, expect, it } from "vitest";
import { render } from "./jinja-lite.js";

describe("jinja-lite", () => {
  it("prints values the way Python does", () => {
    expect(render("{{ value_json.a }}", '{"a": 5}')).toBe("5");
    expect(render("{{ value_json.a }}", '{"a": null}')).toBe("None");
    expect(render("{{ value_json.a }}", '{"a": true}')).toBe("True");
    expect(render("{{ value_json.a.b }}", '{"a": {"b": "x"}}')).toBe("x");
  });

  it("evaluates conditionals with truthiness and comparisons", () => {
    const t = "{{ 'ON' if value_json.a else 'OFF' }}";
    expect(render(t, '{"a": 0}')).toBe("OFF");
    expect(render(t, '{"a": []}')).toBe("OFF");
    expect(render(t, '{"a": "x"}')).toBe("ON");
    expect(render("{{ 'Y' if value_json.s == 'ok' else 'N' }}", '{"s": "ok"}')).toBe("Y");
    expect(render("{{ 'Y' if value_json.n > 0 else 'N' }}", '{"n": 0}')).toBe("N");
  });

  it("renders to_json inside surrounding text", () => {
    expect(render('{"x": {{ value_json.d | to_json }}}', '{"d": {"k": [1]}}')).toBe('{"x": {"k":[1]}}');
  });

  it("throws on missing fields, unsupported forms and impossible comparisons", () => {
    expect(() => render("{{ value_json.missing }}", "{}")).toThrow();
    expect(() => render("{{ value_json.a | int }}", '{"a": 1}')).toThrow();
    expect(() => render("{{ 'Y' if value_json.n > 0 else 'N' }}", '{"n": null}')).toThrow();
  });
});
