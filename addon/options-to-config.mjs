// The add-on's start, step one: /data/options.json (what the user set in the add-on's
// configuration tab) → /data/config.yaml for the bridge, with the Supervisor's MQTT service
// (the Mosquitto add-on) as the broker when no mqtt_server is set. The rules are the
// bridge's own (dist/config/addon.js), so they are tested with the rest of it; this file only
// reads, asks and writes. JSON is YAML: the bridge reads the file as it reads any config.
//
// Paths can be moved for tests: ADDON_OPTIONS, ADDON_CONFIG, SUPERVISOR_URL.
import { readFileSync, writeFileSync } from "node:fs";
import { configFromAddonOptions } from "../dist/config/addon.js";

const optionsFile = process.env.ADDON_OPTIONS ?? "/data/options.json";
const configFile = process.env.ADDON_CONFIG ?? "/data/config.yaml";
const supervisor = process.env.SUPERVISOR_URL ?? "http://supervisor";
const token = process.env.SUPERVISOR_TOKEN;

/** The Supervisor's MQTT service, or null when no broker add-on provides one (or no token). */
async function mqttService() {
  if (!token) return null;
  try {
    const response = await fetch(`${supervisor}/services/mqtt`, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) {
      console.error(`add-on: no MQTT service from the Supervisor (HTTP ${response.status}); set mqtt_server`);
      return null;
    }
    const body = await response.json();
    return body?.data?.host ? body.data : null;
  } catch (error) {
    console.error(`add-on: could not ask the Supervisor for its MQTT service: ${error.message}`);
    return null;
  }
}

const values = JSON.parse(readFileSync(optionsFile, "utf8"));
const wantsService = values.mqtt_server === undefined || values.mqtt_server === null || values.mqtt_server === "";
const { config, unknown } = configFromAddonOptions(values, wantsService ? await mqttService() : null);
if (unknown.length > 0) {
  console.error(`add-on: unknown options ${unknown.join(", ")} (is the add-on older than its options?)`);
  process.exit(1);
}
// It may hold the broker's password: readable by the add-on alone.
writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
const broker = config.mqtt?.server ?? "none (the embedded broker)";
console.log(`add-on: config written to ${configFile}; MQTT broker ${String(broker).replace(/\/\/[^@/]*@/, "//***@")}`);
