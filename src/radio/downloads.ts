// The want_config slot of one radio connection: the handshake, nodes-only re-reads (69421)
// and config-only re-reads (69420), one at a time, each collected until its
// config_complete_id; and the handshake cache they keep fresh. The radio link (meshtastic.ts)
// owns the connection and turns completed downloads into status and `dump` events.
import { randomInt } from "node:crypto";
import { NONCE_ONLY_CONFIG, NONCE_ONLY_NODES, wantConfig, type FromRadio } from "../protocol/messages.js";
import type { RadioConnection } from "./connection.js";
import { DumpCollector, type DownloadKind } from "./dump.js";
import { FrameRecorder, nextCache, type HandshakeCache } from "./handshake-cache.js";
import type { NodeDbDump } from "./link.js";

export interface DownloadDone {
  kind: DownloadKind;
  dump: NodeDbDump;
  myNodeNum: number;
  firmware: string | null;
}

export interface DownloadsOptions {
  timeoutMs: number;
  /** A download that receives nothing for this long fails (0: only the timeout). */
  idleMs: number;
  /** Keep every frame for the handshake cache (the API server); off, only the nodes are read. */
  keepFrames: boolean;
  /** The radio's own node number as far as the link knows it (0: not yet). */
  myNodeNum(): number;
  /** A handshake or nodes-only download completed; called after the cache is updated. */
  onDone(done: DownloadDone): void;
  onCache(cache: HandshakeCache): void;
}

const CACHE_KIND = { handshake: "full", refresh: "nodes", config: "config" } as const;

export class Downloads {
  cache: HandshakeCache | null = null;
  private current: DumpCollector | null = null;

  constructor(private readonly opts: DownloadsOptions) {}

  /** The download under way, if any: its frames are not live traffic. */
  get active(): DumpCollector | null {
    return this.current;
  }

  /** The connection's first want_config, with a nonce that asks for everything. */
  handshake(conn: RadioConnection): void {
    let nonce = randomInt(1, 0x7fffffff);
    while (nonce === NONCE_ONLY_CONFIG || nonce === NONCE_ONLY_NODES) nonce = randomInt(1, 0x7fffffff);
    this.begin("handshake", nonce, conn);
  }

  /** The whole NodeDB again; joins a NodeDB download under way. `conn` throws when the link is down. */
  async nodes(conn: () => RadioConnection, signal?: AbortSignal): Promise<NodeDbDump> {
    // A config-only re-read holds no nodes: let it finish, then read the nodes.
    while (this.current?.kind === "config") {
      await this.current.wait(signal).catch(() => undefined);
      if (signal?.aborted) throw new Error("NodeDB request aborted");
    }
    if (this.current) return this.current.wait(signal);
    return this.begin("refresh", NONCE_ONLY_NODES, conn()).wait(signal);
  }

  /** The configuration again, after whatever download is under way. */
  async config(conn: () => RadioConnection): Promise<void> {
    // A new want_config restarts the firmware's state machine (PhoneAPI.cpp): never two at once.
    while (this.current) await this.current.wait().catch(() => undefined);
    await this.begin("config", NONCE_ONLY_CONFIG, conn()).wait();
  }

  add(message: FromRadio, bytes: Uint8Array): void {
    this.current?.add(message, bytes);
  }

  /** config_complete_id: false when it answers no download of ours. */
  complete(nonce: number): boolean {
    const collector = this.current;
    if (!collector || collector.nonce !== nonce) return false;
    this.current = null;
    const { dump, myNodeNum, firmware } = collector.finish(Date.now());
    // The cache first: whoever reacts to the dump reads the radio's new state.
    if (collector.frames) {
      const cache = nextCache(this.cache, collector.frames, CACHE_KIND[collector.kind], myNodeNum);
      if (cache !== null) {
        this.cache = cache;
        this.opts.onCache(cache);
      }
    }
    if (collector.kind !== "config") this.opts.onDone({ kind: collector.kind, dump, myNodeNum, firmware });
    collector.resolve(dump);
    return true;
  }

  /** The download under way is lost (connection closed, radio restarted). */
  fail(reason: string): void {
    this.current?.fail(new Error(reason));
    this.current = null;
  }

  private begin(kind: DownloadKind, nonce: number, conn: RadioConnection): DumpCollector {
    const onTimeout = (reason: string): void => {
      if (this.current === collector) this.current = null;
      // A handshake that never completes leaves the link useless: start over.
      if (kind === "handshake") void conn.close(reason);
    };
    // The config sections are kept only for a consumer that serves them again: the security
    // section carries the radio's private key.
    const frames = this.opts.keepFrames ? new FrameRecorder() : null;
    const collector = new DumpCollector(kind, nonce, this.opts.myNodeNum(), this.opts.timeoutMs, onTimeout, conn.idleLimit(this.opts.idleMs), frames);
    this.current = collector;
    try {
      conn.write(wantConfig(nonce));
    } catch (err) {
      this.fail((err as Error).message);
      throw err;
    }
    return collector;
  }
}
