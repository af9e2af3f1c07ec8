// Options of the simulated radio, with the defaults a real radio has.
import { defaultCapacity } from "./nodedb-entries.js";
import type { SendLimits } from "./phone-gate.js";

export interface SimRadioOptions {
  /** Default 127.0.0.1: the simulator is a loopback test bench. */
  host?: string;
  /** Default 4403, the firmware's API port; use 0 in tests for a free port. */
  port?: number;
  /** Other nodes in the generated NodeDB. Default 50. */
  nodes?: number;
  /**
   * NodeDB capacity, our own node included (MAX_NUM_NODES: 80 to 250 on 2.7 boards), at
   * least nodes + 1. Default 250, or no limit when the generated NodeDB would not fit in 250.
   * A full NodeDB evicts as the firmware does.
   */
  capacity?: number;
  /** Seed of the generated mesh. Default 1. */
  seed?: number;
  /** DeviceMetadata.firmware_version. Default "2.7.26.sim" ("2.8.0.sim" with firmware28). */
  firmwareVersion?: string;
  /**
   * Firmware 2.8 as a real 2.8.0 build was measured (FIRMWARE.md): node numbers crc32(key), a
   * re-flash a new identity accepted at once, signed NodeInfos and packets (has_xeddsa_signed,
   * xeddsa_signed), and replayAfterComplete unless that is set otherwise. Default off: 2.7.
   */
  firmware28?: boolean;
  /** Model a multi-client proxy: a new client does not force-close the previous one. */
  multiClient?: boolean;
  /**
   * Firmware 2.8's dumps: after every config_complete_id except 69420's (so the nodes-only
   * 69421 too), replay cached position/telemetry packets of known nodes; other NodeInfos go
   * out thin. Default: firmware28.
   */
  replayAfterComplete?: boolean;
  /** Nodes whose cached packets are replayed in 2.8 mode. Default 12. */
  replayNodes?: number;
  /** TCP_IDLE_TIMEOUT_MS (15 minutes); 0 disables. */
  idleTimeoutMs?: number;
  /** Bound of the to-phone queue; the oldest packet is discarded when full. Default 32. */
  maxHeldPackets?: number;
  /** Epoch milliseconds; injectable for deterministic rxTime and lastHeard, and the send limits' clock. */
  now?: () => number;
  /**
   * Per-connection minimum gap in ms between two accepted client packets of a port (portnum
   * → ms; 0 turns a port's limit off), over the firmware's: text 2,000; position, waypoint,
   * alert, telemetry 10,000; traceroute 30,000. Always on; scale down for tests that send many.
   */
  sendLimitsMs?: SendLimits;
  /** No GPS, NTP or phone time: last_heard 0 in every dump, rx_time 0 on live packets. Default off. */
  noTimeSource?: boolean;
  /** Answer after the delays measured on a real radio (latency.ts), seeded. Default off. */
  latency?: boolean;
  /** Copy each packet the radio transmits to the client as SIMULATOR_APP, as the Linux build does. Default off. */
  echoTransmitted?: boolean;
}

export type ResolvedOptions = Required<SimRadioOptions>;

export const SIM_DEFAULTS = {
  host: "127.0.0.1",
  port: 4403,
  nodes: 50,
  seed: 1,
  firmwareVersion: "2.7.26.sim",
  firmwareVersion28: "2.8.0.sim",
  capacity: 250,
} as const;

export function resolveOptions(options: SimRadioOptions): ResolvedOptions {
  const nodes = options.nodes ?? SIM_DEFAULTS.nodes;
  const firmware28 = options.firmware28 ?? false;
  if (!Number.isInteger(nodes) || nodes < 0) throw new RangeError(`nodes must be a whole number >= 0, not ${nodes}`);
  const capacity = options.capacity ?? defaultCapacity(nodes);
  if (options.capacity !== undefined && (!Number.isInteger(capacity) || capacity < nodes + 1)) {
    throw new RangeError(`capacity must be a whole number of at least nodes + 1 (${nodes + 1}), not ${capacity}`);
  }
  return {
    host: options.host ?? SIM_DEFAULTS.host,
    capacity,
    port: options.port ?? SIM_DEFAULTS.port,
    nodes,
    seed: options.seed ?? SIM_DEFAULTS.seed,
    firmwareVersion: options.firmwareVersion ?? (firmware28 ? SIM_DEFAULTS.firmwareVersion28 : SIM_DEFAULTS.firmwareVersion),
    firmware28,
    multiClient: options.multiClient ?? false,
    replayAfterComplete: options.replayAfterComplete ?? firmware28,
    replayNodes: options.replayNodes ?? 12,
    idleTimeoutMs: options.idleTimeoutMs ?? 15 * 60 * 1000,
    maxHeldPackets: options.maxHeldPackets ?? 32,
    now: options.now ?? Date.now,
    sendLimitsMs: options.sendLimitsMs ?? {},
    noTimeSource: options.noTimeSource ?? false,
    latency: options.latency ?? false,
    echoTransmitted: options.echoTransmitted ?? false,
  };
}
