// The channel keys the uplink can decrypt with: the configured ones (uplink.channels, name →
// base64 PSK) and the default channel's, known without config. Pure.
import { channelHash, expandPsk } from "./crypto.js";

export interface ChannelKey {
  name: string;
  /** The expanded AES key; empty: the channel is not encrypted. */
  key: Uint8Array;
  hash: number;
}

/** The firmware's default channel (primary, modem preset LONG_FAST) and its default PSK. */
export const DEFAULT_CHANNELS: Readonly<Record<string, string>> = { LongFast: "AQ==" };

/** Keys tried per packet at most: a flood of packets on unknown hashes must cost a bounded amount. */
export const MAX_TRIES = 3;

export class ChannelKeys {
  private readonly byName = new Map<string, ChannelKey>();
  private readonly byHash = new Map<number, ChannelKey[]>();

  /** `channels`: name → base64 PSK, validated by the config schema. */
  constructor(channels: Readonly<Record<string, string>>) {
    for (const [name, psk] of Object.entries({ ...DEFAULT_CHANNELS, ...channels })) {
      const key = expandPsk(Buffer.from(psk, "base64"));
      const entry: ChannelKey = { name, key, hash: channelHash(name, key) };
      this.byName.set(name, entry);
      const same = this.byHash.get(entry.hash) ?? [];
      same.push(entry);
      this.byHash.set(entry.hash, same);
    }
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * The keys worth trying for a packet uplinked on `channelId` with channel hash `hash`:
   * the channel named in the topic when its hash agrees, then others with that hash (the
   * topic's name may be missing or another gateway's name for the same key), at most MAX_TRIES.
   */
  candidates(channelId: string, hash: number): ChannelKey[] {
    const named = this.byName.get(channelId);
    const out: ChannelKey[] = named !== undefined && named.hash === hash ? [named] : [];
    for (const entry of this.byHash.get(hash) ?? []) {
      if (out.length >= MAX_TRIES) break;
      if (entry !== named) out.push(entry);
    }
    return out;
  }
}
