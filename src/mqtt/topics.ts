// Pure topic builders and parsers for the names in CONTRACT.md ("MQTT topics"). Every topic
// the bridge publishes or subscribes to is spelled here and nowhere else.

/** The bridge's own topics under `<base>` (`mqtt.base_topic`). */
export interface BridgeTopics {
  readonly base: string;
  readonly bridgeState: string;
  readonly bridgeInfo: string;
  readonly radioState: string;
  readonly syncStats: string;
  /** Retained, published only once there has been a sync: what Home Assistant's "Last sync" reads. */
  readonly syncLast: string;
  readonly bridgeEvent: string;
  readonly bridgeHealth: string;
  /** Retained: every node in compact form (Zigbee2MQTT's `bridge/devices`), at most once a second. */
  readonly bridgeNodes: string;
  /** Retained: the nodes of bridgeNodes whose status needs attention. */
  readonly bridgeAlerts: string;
  /** Retained: the last request's result (Home Assistant's "Last command" sensor). */
  readonly lastCommand: string;
  /** Filter for every node's retained status: `<base>/nodes/+`. */
  readonly nodesFilter: string;
  /** Filter for every command request: `<base>/bridge/request/#`. */
  readonly requestFilter: string;
  /** The request subscription's self-test (request-probe.ts): never a command. */
  readonly requestProbe: string;
  node(id: string): string;
  request(command: string): string;
  response(command: string): string;
}

/**
 * Why `path` cannot be a topic we publish under, or the prefix of one (base topic, discovery
 * prefix, share topic); null when it can. The one topic rule of the code base; the config
 * schema checks with it too. Wildcards are not allowed in a topic name [MQTT-4.7.1-1],
 * a leading `$` is reserved for broker topics [MQTT-4.7.2-1], and empty levels are legal
 * MQTT but would give topics like "a//bridge/state", which is always a typo here.
 */
export function topicPathProblem(path: string): string | null {
  if (path.length === 0) return "must not be empty";
  if (/[+#\u0000]/.test(path)) return "must not contain '+', '#' or NUL";
  if (path.startsWith("$")) return "must not start with '$'";
  if (path.split("/").some((level) => level.length === 0)) {
    return "must not have empty levels (leading, trailing or double '/')";
  }
  return null;
}

/** Why `mqtt.base_topic` is refused, or null when it is usable. */
export function baseTopicProblem(base: string): string | null {
  const problem = topicPathProblem(base);
  return problem === null ? null : `base_topic ${problem}`;
}

export function bridgeTopics(base: string): BridgeTopics {
  const problem = baseTopicProblem(base);
  if (problem !== null) throw new Error(problem);
  return {
    base,
    bridgeState: `${base}/bridge/state`,
    bridgeInfo: `${base}/bridge/info`,
    radioState: `${base}/radio/state`,
    syncStats: `${base}/sync/stats`,
    syncLast: `${base}/sync/last`,
    bridgeEvent: `${base}/bridge/event`,
    bridgeHealth: `${base}/bridge/health`,
    bridgeNodes: `${base}/bridge/nodes`,
    bridgeAlerts: `${base}/bridge/alerts`,
    lastCommand: `${base}/bridge/last_command`,
    nodesFilter: `${base}/nodes/+`,
    requestFilter: `${base}/bridge/request/#`,
    requestProbe: `${base}/bridge/request/probe`,
    node: (id) => `${base}/nodes/${id}`,
    request: (command) => `${base}/bridge/request/${command}`,
    response: (command) => `${base}/bridge/response/${command}`,
  };
}

/** `<base>/bridge/request/<command>` → command; null for any other topic. */
export function parseRequestTopic(base: string, topic: string): string | null {
  return singleLevelAfter(`${base}/bridge/request/`, topic);
}

/** `<base>/nodes/<id>` → id; null for any other topic. */
export function parseNodeTopic(base: string, topic: string): string | null {
  return singleLevelAfter(`${base}/nodes/`, topic);
}

function singleLevelAfter(prefix: string, topic: string): string | null {
  if (!topic.startsWith(prefix)) return null;
  const rest = topic.slice(prefix.length);
  return rest.length > 0 && !rest.includes("/") ? rest : null;
}

/**
 * Home Assistant discovery topic: `<prefix>/<component>/<node_id>/<object_id>/config`.
 * HA allows only `[a-zA-Z0-9_-]` in node_id and object_id
 * (https://www.home-assistant.io/integrations/mqtt/#discovery-topic).
 */
export function discoveryTopic(
  prefix: string,
  component: string,
  nodeId: string,
  objectId: string,
): string {
  for (const part of [component, nodeId, objectId]) {
    if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error(`invalid discovery topic part "${part}"`);
  }
  return `${prefix}/${component}/${nodeId}/${objectId}/config`;
}

export interface DiscoveryTopicParts {
  component: string;
  nodeId: string;
  objectId: string;
}

export function parseDiscoveryTopic(prefix: string, topic: string): DiscoveryTopicParts | null {
  if (!topic.startsWith(`${prefix}/`)) return null;
  const parts = topic.slice(prefix.length + 1).split("/");
  if (parts.length !== 4 || parts[3] !== "config") return null;
  const [component, nodeId, objectId] = parts as [string, string, string, string];
  return { component, nodeId, objectId };
}

/**
 * Does `topic` match the subscription `filter`? ([MQTT-4.7.1-2], [MQTT-4.7.1-3]; topics
 * starting with `$` are not matched by a leading wildcard, [MQTT-4.7.2-1].)
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split("/");
  const t = topic.split("/");
  if (topic.startsWith("$") && (f[0] === "+" || f[0] === "#")) return false;
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === "#") return true;
    if (i >= t.length) return false;
    if (level !== "+" && level !== t[i]) return false;
  }
  return f.length === t.length;
}

