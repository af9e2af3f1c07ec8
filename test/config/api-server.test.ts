// The api_server section: its defaults, its variables, and the one rule that it must not
// listen where the radio itself is.
import { describe, expect, it } from "vitest";
import { sameAddress } from "../../src/config/api-server.js";
import { loadIn, loadProblems } from "./helpers.js";

const load = loadIn;

const problems = loadProblems;

describe("api_server config", () => {
  it("takes every key from the environment, numbers and booleans parsed", () => {
    const { config } = load("radio: {host: 192.168.1.38}\n", {
      MESHTASTIC_KEYSYNC_API_SERVER_ENABLED: "true",
      MESHTASTIC_KEYSYNC_API_SERVER_HOST: "0.0.0.0",
      MESHTASTIC_KEYSYNC_API_SERVER_PORT: "4404",
      MESHTASTIC_KEYSYNC_API_SERVER_MAX_CLIENTS: "3",
      MESHTASTIC_KEYSYNC_API_SERVER_ADMIN: "true",
      MESHTASTIC_KEYSYNC_API_SERVER_DIRECTORY_NODES: "true",
    });
    expect(config.api_server).toEqual({ enabled: true, host: "0.0.0.0", port: 4404, max_clients: 3, admin: true, directory_nodes: true });
  });

  it("refuses the radio's own address, naming api_server.port", () => {
    expect(problems("radio: {host: 127.0.0.1}\napi_server: {enabled: true}\n")).toEqual([
      expect.stringMatching(/^api_server\.port: is the radio's own address \(radio\.host 127\.0\.0\.1, radio\.port 4403\)/),
    ]);
    // localhost and 127.0.0.1 are one listener's addresses; so is the wildcard.
    expect(problems("radio: {host: localhost, port: 4500}\napi_server: {enabled: true, port: 4500}\n")).toHaveLength(1);
    expect(problems("radio: {host: 127.0.0.1}\napi_server: {enabled: true, host: 0.0.0.0}\n")).toHaveLength(1);
    expect(problems("radio: {host: 127.0.0.1}\napi_server: {enabled: true}\n", { MESHTASTIC_KEYSYNC_API_SERVER_PORT: "4403" })[0]).toMatch(/MESHTASTIC_KEYSYNC_API_SERVER_PORT/);
  });

  it("accepts another port, a radio elsewhere, a serial radio, the built-in simulator, or the server off", () => {
    expect(load("radio: {host: 127.0.0.1}\napi_server: {enabled: true, port: 4404}\n").config.api_server.port).toBe(4404);
    expect(load("radio: {host: 192.168.1.38}\napi_server: {enabled: true}\n").config.api_server.enabled).toBe(true);
    expect(load("radio: {serial: /dev/ttyUSB0}\napi_server: {enabled: true}\n").config.api_server.enabled).toBe(true);
    expect(load("radio: {host: simulator}\napi_server: {enabled: true}\n").config.api_server.enabled).toBe(true);
    expect(load("radio: {host: 127.0.0.1}\napi_server: {port: 4403}\n").config.api_server.enabled).toBe(false);
  });

  it("compares addresses as a listener sees them", () => {
    expect(sameAddress({ host: "::1", port: 4403 }, { host: "localhost", port: 4403 })).toBe(true);
    expect(sameAddress({ host: "127.0.0.1", port: 4403 }, { host: "LOCALHOST", port: 4403 })).toBe(true);
    expect(sameAddress({ host: "radio.lan", port: 4403 }, { host: "RADIO.lan", port: 4403 })).toBe(true);
    expect(sameAddress({ host: "127.0.0.1", port: 4403 }, { host: "192.168.1.38", port: 4403 })).toBe(false);
    expect(sameAddress({ host: "127.0.0.1", port: 0 }, { host: "127.0.0.1", port: 0 })).toBe(false);
    expect(sameAddress({ host: "127.0.0.1", port: 4404 }, { host: "127.0.0.1", port: 4403 })).toBe(false);
  });
});
