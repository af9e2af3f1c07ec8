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
    expect(() => render("{{ value_json.a | float }}", '{"a": 1}')).toThrow();
    expect(() => render("{{ 'Y' if value_json.n > 0 else 'N' }}", '{"n": null}')).toThrow();
  });
});

describe("jinja-lite: the forms that keep Home Assistant's log clean", () => {
  it("treats a payload that is no JSON (the retained clear) as an undefined value_json", () => {
    const guarded = "{{ ('OFF' if value_json.status == 'ok' else 'ON') if value_json is defined else '' }}";
    expect(render(guarded, "")).toBe("");
    expect(render(guarded, '{"status":"ok"}')).toBe("OFF");
    expect(render(guarded, '{"status":"weak"}')).toBe("ON");
    expect(() => render("{{ 'OFF' if value_json.status == 'ok' else 'ON' }}", "")).toThrow(/undefined/);
    expect(render("{{ value_json is not defined }}", "")).toBe("True");
  });

  it("evaluates only the operands it needs, as Jinja does", () => {
    expect(render("{{ value_json.a if value_json is defined and value_json.a else 'none' }}", "")).toBe("none");
    expect(render("{{ value_json.a if value_json is defined and value_json.a else 'none' }}", '{"a":null}')).toBe("none");
    expect(render("{{ value_json.a if value_json is defined and value_json.a else 'none' }}", '{"a":"f00d"}')).toBe("f00d");
    expect(render("{{ value_json | to_json if value_json is defined else '{}' }}", "")).toBe("{}");
  });

  it("or returns an operand, and slices cut text", () => {
    expect(render("{{ (value_json.e or 'none')[:3] }}", '{"e":null}')).toBe("non");
    expect(render("{{ (value_json.e or 'none')[:255] }}", `{"e":"${"x".repeat(300)}"}`)).toHaveLength(255);
    expect(render("{{ (value_json.e or 'none')[:255] }}", '{"e":"radio down"}')).toBe("radio down");
  });

  it("is the same Jinja as a real implementation for these forms", async () => {
    const { realRender } = await import("./jinja-real.js");
    const cases: Array<[string, string]> = [
      ["{{ ('OFF' if value_json.status == 'ok' else 'ON') if value_json is defined else '' }}", '{"status":"weak"}'],
      ["{{ ('OFF' if value_json.status == 'ok' else 'ON') if value_json is defined else '' }}", ""],
      ["{{ (value_json.e or 'none')[:4] }}", '{"e":"radio down"}'],
      ["{{ 'ON' if value_json.alerts > 0 else 'OFF' }}", '{"alerts":2}'],
    ];
    for (const [template, payload] of cases) expect(realRender(template, payload), template).toBe(render(template, payload));
  });
});
