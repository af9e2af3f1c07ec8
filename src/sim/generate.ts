// Generated nodes of the simulated mesh: names, models, positions and keys from the seeded
// stream, so the same seed always gives the same mesh.
import { nodeId } from "../node-id.js";
import { DeviceRole, HardwareModel, PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { UNMARKED, type SimNode } from "./node.js";
import type { Prng } from "./prng.js";

const PLACES = ["Ridge", "Harbor", "Mill", "Valley", "Summit", "Creek", "Forest", "Bridge", "Tower", "Field"];
const KINDS = ["Relay", "Base", "Rover", "Home", "Camp", "Node", "Repeater", "Car", "Hut", "Mobile"];
const MODELS = [
  HardwareModel.HELTEC_V3,
  HardwareModel.TBEAM,
  HardwareModel.RAK4631,
  HardwareModel.T_ECHO,
  HardwareModel.STATION_G2,
  HardwareModel.TRACKER_T1000_E,
  HardwareModel.SEEED_XIAO_S3,
];
/** Our own radio stands here; the mesh is scattered within about 0.3 degrees. */
const BASE_LAT_I = 482_082_000;
const BASE_LON_I = 163_738_000;

/** A node as the mesh knows it; `now` is the unix second lastHeard counts back from. */
export function makeNode(p: Prng, num: number, withKey: boolean, now: number): SimNode {
  const id = nodeId(num);
  const hasPosition = p.next() < 0.7;
  // Drawn in the order they always were: the same seed gives the same mesh.
  const longName = `${p.pick(PLACES)} ${p.pick(KINDS)} ${id.slice(-4)}`;
  const hwModel = p.pick(MODELS);
  const role = p.next() < 0.1 ? DeviceRole.ROUTER : DeviceRole.CLIENT;
  return {
    num,
    id,
    longName,
    shortName: id.slice(-4).toUpperCase(),
    hwModel,
    role,
    // Not drawn from the stream. The firmware's role defaults (NodeDB installRoleDefaults)
    // mark a router unmessagable.
    isLicensed: false,
    isUnmessagable: role === DeviceRole.ROUTER ? true : null,
    publicKey: withKey ? p.bytes(PUBLIC_KEY_LENGTH) : null,
    lastHeard: now - p.int(30, 3 * 24 * 3600),
    snr: Math.round((p.next() * 20 - 10) * 4) / 4,
    hopsAway: p.int(0, 3),
    viaMqtt: p.next() < 0.05,
    position: hasPosition
      ? {
          latitudeI: BASE_LAT_I + p.int(-3_000_000, 3_000_000),
          longitudeI: BASE_LON_I + p.int(-3_000_000, 3_000_000),
          altitude: p.int(150, 900),
        }
      : null,
    batteryLevel: p.int(5, 101),
    voltage: Math.round((3.3 + p.next()) * 100) / 100,
    ...UNMARKED,
  };
}

/**
 * The generated mesh: our own node and its fake private key, then `count` others, drawn from
 * the stream in a fixed order (the same seed gives the same mesh). `freshNum` draws unused numbers.
 */
export function generateMesh(prng: Prng, count: number, now: number, draw: () => number): { own: SimNode; ownPrivateKey: Uint8Array; nodes: SimNode[] } {
  const taken = new Set<number>();
  const freshNum = (): number => {
    for (;;) {
      const num = draw();
      if (taken.has(num)) continue;
      taken.add(num);
      return num;
    }
  };
  const own = makeNode(prng, freshNum(), true, now);
  own.longName = `Keysync Sim ${own.id.slice(-4)}`;
  own.shortName = own.id.slice(-4);
  own.hwModel = HardwareModel.HELTEC_V4;
  own.hopsAway = 0;
  own.isFavorite = true;
  const ownPrivateKey = prng.bytes(PUBLIC_KEY_LENGTH);
  const nodes: SimNode[] = [];
  for (let i = 0; i < count; i++) {
    // About one node in ten is keyless; every sixth node's key holds the frame magic.
    const keyless = i % 6 !== 2 && prng.next() < 0.1;
    const node = makeNode(prng, freshNum(), !keyless, now);
    if (i % 6 === 2 && node.publicKey) plantMagic(node.publicKey, prng.int(0, PUBLIC_KEY_LENGTH - 2));
    nodes.push(node);
  }
  // A mesh of ten or more always has at least one keyless node, so that path is exercised.
  if (nodes.length >= 10 && !nodes.some((n) => n.publicKey === null)) {
    const victim = nodes[9];
    if (victim) victim.publicKey = null;
  }
  return { own, ownPrivateKey, nodes };
}

function plantMagic(key: Uint8Array, at: number): void {
  key[at] = 0x94;
  key[at + 1] = 0xc3;
}
