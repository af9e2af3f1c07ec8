// Collects one download (a handshake, a nodes-only refresh or a config-only one) until its
// config_complete_id. A download that never completes is never reported as a result.
import { performance } from "node:perf_hooks";
import type { FromRadio } from "../protocol/messages.js";
import { remoteNodeFromInfo } from "./packets.js";
import type { FramePart, FrameRecorder, RadioFrame } from "./handshake-cache.js";
import type { NodeDbDump, RemoteNode } from "./link.js";

/** The NodeDB downloads, and "config": a config-only re-read (69420) that only refreshes the cache. */
export type DownloadKind = NodeDbDump["kind"] | "config";

/** What a handshake is made of, besides live traffic (PhoneAPI.cpp's config states). */
const CONTENT: ReadonlySet<FromRadio["payloadVariant"]["case"]> = new Set([
  "myInfo",
  "deviceuiConfig",
  "nodeInfo",
  "metadata",
  "channel",
  "config",
  "moduleConfig",
  "fileInfo",
]);

/** A frame that belongs to a download's answer (while one runs), not to live traffic. */
export function isDumpContent(message: FromRadio): boolean {
  return CONTENT.has(message.payloadVariant.case);
}

interface Waiter {
  resolve: (dump: NodeDbDump) => void;
  reject: (err: Error) => void;
}

/**
 * A download that receives no content for `ms` has failed: on a serial line a frame torn by
 * console text (config_complete_id among them) never arrives, and a radio whose serial API
 * is off never answers at all. The hints say what the user can check in each case.
 */
export interface IdleLimit {
  ms: number;
  /** Appended when nothing at all came back. */
  silentHint?: () => string | null;
  /** Appended when the download stopped half-way. */
  stalledHint?: string | null;
}

export class DumpCollector {
  private own: RemoteNode | null = null;
  private readonly nodes: RemoteNode[] = [];
  private firmware: string | null = null;
  private readonly waiters = new Set<Waiter>();
  private readonly startedAt = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly idleTimer: NodeJS.Timeout | null = null;
  private received = 0;
  private settled = false;

  constructor(
    readonly kind: DownloadKind,
    readonly nonce: number,
    public myNodeNum: number,
    timeoutMs: number,
    onTimeout: (reason: string) => void,
    idle: IdleLimit | null = null,
    /** Keeps every frame of the answer, for the handshake cache. */
    readonly frames: FrameRecorder | null = null,
  ) {
    const expire = (reason: string): void => {
      this.fail(new Error(reason));
      onTimeout(reason);
    };
    this.timer = setTimeout(() => expire(`NodeDB download (nonce ${nonce}) not complete after ${timeoutMs} ms`), timeoutMs);
    if (idle && idle.ms > 0 && idle.ms < timeoutMs) {
      this.idleTimer = setTimeout(() => expire(this.idleReason(idle)), idle.ms);
    }
  }

  /** One frame of the answer; `bytes` (its payload) only matters when frames are kept. */
  add(message: FromRadio, bytes?: Uint8Array): void {
    this.received += 1;
    this.idleTimer?.refresh();
    const part = this.read(message.payloadVariant);
    if (this.frames && bytes) this.frames.add({ message, bytes } satisfies RadioFrame, part);
  }

  private read(content: FromRadio["payloadVariant"]): FramePart {
    switch (content.case) {
      case "myInfo":
        this.myNodeNum = content.value.myNodeNum;
        return "other";
      case "metadata":
        this.firmware = content.value.firmwareVersion || null;
        return "other";
      case "nodeInfo": {
        const node = remoteNodeFromInfo(content.value);
        if (!node) return "node";
        // The radio sends its own node_info first (PhoneAPI.cpp); a nodes-only download
        // carries no my_info, so the first node stands for our own when we know no number.
        if (node.num === this.myNodeNum || (this.myNodeNum === 0 && this.own === null && this.nodes.length === 0)) {
          this.own = node;
          this.myNodeNum = node.num;
          return "own";
        }
        this.nodes.push(node);
        return "node";
      }
      default:
        return "other";
    }
  }

  /** Waits for the result; an aborted waiter leaves, the download goes on for the others. */
  wait(signal?: AbortSignal): Promise<NodeDbDump> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new Error("NodeDB request aborted"));
        return;
      }
      const waiter: Waiter = {
        resolve: (dump) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(dump);
        },
        reject: (err) => {
          signal?.removeEventListener("abort", onAbort);
          reject(err);
        },
      };
      const onAbort = (): void => {
        this.waiters.delete(waiter);
        reject(new Error("NodeDB request aborted"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  finish(completedAt: number): { dump: NodeDbDump; myNodeNum: number; firmware: string | null } {
    this.clearTimers();
    const dump: NodeDbDump = {
      // A config-only download is never reported as a NodeDB dump; its waiters ignore the value.
      kind: this.kind === "handshake" ? "handshake" : "refresh",
      own: this.own,
      nodes: this.nodes,
      durationMs: performance.now() - this.startedAt,
      completedAt,
    };
    return { dump, myNodeNum: this.myNodeNum, firmware: this.firmware };
  }

  resolve(dump: NodeDbDump): void {
    if (this.settled) return;
    this.settled = true;
    for (const waiter of this.waiters) waiter.resolve(dump);
    this.waiters.clear();
  }

  fail(err: Error): void {
    this.clearTimers();
    if (this.settled) return;
    this.settled = true;
    for (const waiter of this.waiters) waiter.reject(err);
    this.waiters.clear();
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
  }

  private idleReason(idle: IdleLimit): string {
    const seconds = `${Math.round(idle.ms / 100) / 10} s`;
    if (this.received === 0) {
      const hint = idle.silentHint?.();
      return `no answer to want_config (nonce ${this.nonce}) within ${seconds}${hint ? `: ${hint}` : ""}`;
    }
    const hint = idle.stalledHint;
    return `NodeDB download (nonce ${this.nonce}) stalled: nothing for ${seconds} before config_complete_id${hint ? ` (${hint})` : ""}`;
  }
}
