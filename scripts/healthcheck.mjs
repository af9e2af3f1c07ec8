#!/usr/bin/env node
// Container health check: healthy only while the bridge is online and connected to its radio.
//
// With metrics enabled the bridge answers GET /healthz itself (200 while the radio link and
// MQTT are connected, 503 with the reason): that is asked first. Only when nothing listens
// there (metrics off, the default) does the check read the bridge's MQTT state as before, so
// an image upgrade changes nothing for those who never enable metrics.
//   HEALTHCHECK_METRICS_URL default http://127.0.0.1:<MESHTASTIC_KEYSYNC_METRICS_PORT or 9464>/healthz
//                           (metrics.host must include loopback: 127.0.0.1 or 0.0.0.0)
//
// Otherwise the bridge's retained MQTT state decides: it already publishes both facts as retained MQTT state, so this reads them back
// instead of adding a status file or another MESHTASTIC_KEYSYNC_* variable (an unknown one is
// a config error):
//   <base>/bridge/state  {"state":"online",...} (the broker's will turns it "offline")
//   <base>/radio/state   {"state":"connected"}  ("connecting"/"disconnected" otherwise)
//
// Environment (not the bridge's config, so that it can never be mistaken for a config key):
//   HEALTHCHECK_MQTT_URL    broker URL, default mqtt://127.0.0.1:1883 (the embedded broker);
//                           a login goes into the URL: mqtt://user:password@host:1883
//   HEALTHCHECK_BASE_TOPIC  the bridge's mqtt.base_topic, default meshtastic-keysync
//
// Exit code 0 = healthy, 1 = anything else (/healthz 503, broker unreachable, a state
// missing, offline, radio not connected). One line on stdout says why; Docker keeps it in `docker inspect`.
// The whole check gives up after 5 s.
import { randomBytes } from "node:crypto";
import { get } from "node:http";

const CEILING_MS = 5_000;
const healthzUrl = process.env.HEALTHCHECK_METRICS_URL || `http://127.0.0.1:${process.env.MESHTASTIC_KEYSYNC_METRICS_PORT || 9464}/healthz`;
const url = process.env.HEALTHCHECK_MQTT_URL || "mqtt://127.0.0.1:1883";
const base = process.env.HEALTHCHECK_BASE_TOPIC || "meshtastic-keysync";
const topics = { bridge: `${base}/bridge/state`, radio: `${base}/radio/state` };

/** Prints the verdict and exits; the first call wins. */
let finished = false;
function finish(code, message) {
  if (finished) return;
  finished = true;
  process.stdout.write(`${code === 0 ? "healthy" : "unhealthy"}: ${message}\n`);
  process.exit(code);
}

function stateOf(text) {
  try {
    const value = JSON.parse(text);
    return typeof value?.state === "string" ? value.state : null;
  } catch {
    return null;
  }
}

/** Without redacting, a URL with a password would land in the container's health log. */
function shownUrl(raw) {
  try {
    const parsed = new URL(raw);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return raw;
  }
}

/** /healthz's answer; null when nothing listens there (metrics off): then MQTT decides. */
function askHealthz() {
  return new Promise((resolve) => {
    const req = get(healthzUrl, { timeout: CEILING_MS }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ code: res.statusCode, body: body.trim() }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${CEILING_MS / 1000} s`)));
    req.on("error", (error) => resolve(error.code === "ECONNREFUSED" ? null : { code: 0, body: error.message }));
  });
}

function judgeHealthz({ code, body }) {
  let reason = body;
  try {
    reason = JSON.parse(body).reason ?? body;
  } catch {
    // not JSON: the body itself is the reason
  }
  if (code === 200) finish(0, `${healthzUrl}: radio and MQTT connected`);
  else finish(1, `${healthzUrl}: ${code === 0 ? reason : `${code} ${reason}`}`);
}

/** The bridge's retained MQTT state, read back by a client of our own. */
async function checkOverMqtt() {
  // Loaded only here: with /healthz answering, the check never pays for the MQTT client.
  const { default: mqtt } = await import("mqtt");
  const seen = {};
  function judge() {
    if (seen.bridge === undefined || seen.radio === undefined) return;
    const bridge = stateOf(seen.bridge);
    const radio = stateOf(seen.radio);
    if (bridge !== "online") finish(1, `bridge is ${bridge ?? "unknown"} (${topics.bridge}: ${seen.bridge})`);
    else if (radio !== "connected") finish(1, `radio is ${radio ?? "unknown"} (${topics.radio}: ${seen.radio})`);
    else finish(0, "bridge online, radio connected");
  }

  let lastError = "";
  const client = mqtt.connect(url, {
    clientId: `${base.replace(/[^A-Za-z0-9_-]/g, "_")}-healthcheck-${randomBytes(3).toString("hex")}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: CEILING_MS,
  });
  client.on("error", (error) => {
    lastError = error.message;
    // A refused login will not get better within the check.
    if (/not authorized|bad user ?name or password/i.test(error.message)) finish(1, `broker refused the login: ${error.message}`);
  });
  client.on("connect", () => {
    client.subscribe(Object.values(topics), { qos: 0 }, (error) => {
      if (error) finish(1, `subscribe failed: ${error.message}`);
    });
  });
  // Without reconnects, a close before the verdict means the broker is unreachable or gone.
  client.on("close", () => finish(1, `no connection to the broker at ${shownUrl(url)}${lastError ? `: ${lastError}` : ""}`));
  client.on("message", (topic, payload) => {
    // The broker sends the retained state right after the subscription; a live update that
    // arrives instead is just as current.
    if (topic === topics.bridge) seen.bridge = payload.toString();
    else if (topic === topics.radio) seen.radio = payload.toString();
    judge();
  });

  setTimeout(() => {
    const missing = Object.entries(topics)
      .filter(([name]) => seen[name] === undefined)
      .map(([, topic]) => topic);
    const why = client.connected
      ? `no retained state on ${missing.join(" and ")} (is HEALTHCHECK_BASE_TOPIC the bridge's mqtt.base_topic?)`
      : `cannot reach the broker at ${shownUrl(url)}${lastError ? `: ${lastError}` : ""}`;
    finish(1, `${why} within ${CEILING_MS / 1000} s`);
  }, CEILING_MS);
}

const answer = await askHealthz();
if (answer) judgeHealthz(answer);
else await checkOverMqtt();
