// One node of the simulated mesh: a NodeDB entry, or a device as it is on the air.

export interface SimPosition {
  latitudeI: number;
  longitudeI: number;
  altitude: number;
}

export interface SimNode {
  num: number;
  /** "!a76f40da" */
  id: string;
  longName: string;
  shortName: string;
  hwModel: number;
  role: number;
  /** User.is_licensed (licensed amateur mode). */
  isLicensed: boolean;
  /** User.is_unmessagable; null when the User leaves the optional field unset. */
  isUnmessagable: boolean | null;
  /** 32 bytes, or null for a keyless node (firmware before 2.5, PKI off, licensed mode). */
  publicKey: Uint8Array | null;
  /** Unix seconds. */
  lastHeard: number;
  snr: number;
  hopsAway: number;
  viaMqtt: boolean;
  position: SimPosition | null;
  batteryLevel: number;
  voltage: number;
  /** Set by markLacksOurKey: the far node answers our DMs with PKI_UNKNOWN_PUBKEY. */
  lacksOurKey: boolean;
  isFavorite: boolean;
  isIgnored: boolean;
  verified: boolean;
  /**
   * NodeInfo.has_xeddsa_signed (firmware 2.8): the radio verified a signed NodeInfo broadcast
   * of this node. Always false in 2.7 mode.
   */
  xeddsaSigned: boolean;
  /** Bumped on every mutation, so encoders can cache a node's bytes. */
  rev: number;
}

/** A node's flags as a device that nobody marked yet has them (generated, re-flashed, a contact). */
export const UNMARKED: Pick<SimNode, "lacksOurKey" | "isFavorite" | "isIgnored" | "verified" | "xeddsaSigned" | "rev"> = Object.freeze({
  lacksOurKey: false,
  isFavorite: false,
  isIgnored: false,
  verified: false,
  xeddsaSigned: false,
  rev: 0,
});

/** Two keys (or any byte strings) with the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
