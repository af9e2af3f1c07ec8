// radio.serial and radio.baud: exclusive with radio.host, a real mode from the environment
// alone, strategy connection only with an explicit TCP source, and on-demand defaults that
// fit the wire.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { loadProblems, workDir } from "./helpers.js";

const DEVICE = "/dev/serial/by-id/usb-1a86_USB_Single_Serial_54FC0123-if00";

const problems = loadProblems;

describe("radio.serial", () => {
  it("is enough for a config file: no host, baud 115200, no TCP source, on-demand 2 a minute", () => {
    const { config, warnings } = loadConfig({ env: {}, cwd: workDir(`radio:\n  serial: ${DEVICE}\n`) });
    expect(config.radio).toMatchObject({ serial: DEVICE, baud: 115200 });
    expect(config.radio.host).toBeUndefined();
    expect(config.sync.source.host).toBeUndefined();
    expect(config.sync.on_demand_max_per_minute).toBe(2);
    expect(warnings).toEqual([]);
  });

  it("keeps 6 on-demand syncs a minute over TCP, and a value given for either", () => {
    expect(loadConfig({ env: {}, cwd: workDir("radio: {host: r}\n") }).config.sync.on_demand_max_per_minute).toBe(6);
    const given = loadConfig({ env: {}, cwd: workDir(`radio: {serial: ${DEVICE}}\nsync: {on_demand_max_per_minute: 5}\n`) });
    expect(given.config.sync.on_demand_max_per_minute).toBe(5);
  });

  it("together with radio.host is a config error naming both, from the file or the environment", () => {
    expect(problems(`radio:\n  host: 192.168.1.38\n  serial: /dev/ttyUSB0\n`)).toEqual([
      'radio.serial: "/dev/ttyUSB0" cannot be used together with radio.host: set one of them (radio.host for a radio on the network, radio.serial for one on USB) (config.yaml line 3)',
    ]);
    expect(problems("radio: {host: 192.168.1.38}\n", { MESHTASTIC_KEYSYNC_RADIO_SERIAL: "/dev/ttyACM0" })).toEqual([
      'radio.serial: "/dev/ttyACM0" cannot be used together with radio.host: set one of them (radio.host for a radio on the network, radio.serial for one on USB) (from MESHTASTIC_KEYSYNC_RADIO_SERIAL)',
    ]);
  });

  it("from the environment alone selects the real mode, never the demo", () => {
    const loaded = loadConfig({ env: { MESHTASTIC_KEYSYNC_RADIO_SERIAL: DEVICE, MESHTASTIC_KEYSYNC_MQTT_SERVER: "mqtt://broker:1883" }, cwd: workDir() });
    expect(loaded.source).toBe("env");
    expect(loaded.config.radio.serial).toBe(DEVICE);
    expect(loaded.config.radio.host).toBeUndefined();
    expect(loaded.config.store.path).toBe("./data/keys.json");
  });

  it("with strategy connection needs an explicit sync.source.host (the second connection is TCP)", () => {
    expect(problems(`radio: {serial: ${DEVICE}}\nsync: {strategy: connection}\n`)).toEqual([
      "sync.source.host: required for sync.strategy connection with radio.serial: the second connection is TCP, to a multi-client proxy that serves this radio (config.yaml line 2)",
    ]);
    const { config } = loadConfig({ env: {}, cwd: workDir(`radio: {serial: ${DEVICE}}\nsync: {strategy: connection, source: {host: proxy.lan}}\n`) });
    expect(config.sync.source).toEqual({ host: "proxy.lan", port: 4403, proxy: false });
  });

  it("warns about the settings of the other way to the radio", () => {
    expect(loadConfig({ env: {}, cwd: workDir(`radio: {serial: ${DEVICE}, port: 4000}\n`) }).warnings).toEqual(["radio.port is ignored: the radio is on radio.serial"]);
    expect(loadConfig({ env: {}, cwd: workDir("radio: {host: r, baud: 9600}\n") }).warnings).toEqual(["radio.baud is ignored: it applies only with radio.serial"]);
  });

  it("refuses a baud rate out of range and an empty device", () => {
    expect(problems(`radio: {serial: ${DEVICE}, baud: 300}\n`)).toEqual(["radio.baud: 300 is below the minimum 1200 (config.yaml line 1)"]);
    expect(problems(`radio: {serial: ""}\n`)).toEqual(["radio.serial: must not be empty (config.yaml line 1)"]);
  });
});
