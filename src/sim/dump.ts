// What a want_config_id is answered with, in order (PhoneAPI.cpp state machine:
// MY_INFO, UIDATA, OWN_NODEINFO, METADATA, CHANNELS, CONFIG, MODULECONFIG,
// OTHER_NODEINFOS, FILEMANIFEST, COMPLETE_ID). Yielded lazily, one FromRadio payload at a
// time, so a 10,000-node dump is encoded only as fast as the socket takes it.
import { NONCE_ONLY_CONFIG, NONCE_ONLY_NODES, encodeFromRadio } from "../protocol/messages.js";
import { fileManifest, leadingSections, trailingSections, type ConfigContext } from "./config-sections.js";
import { nodeInfoFrame } from "./encode.js";

export type DumpKind = "full" | "nodesOnly" | "configOnly";

export function dumpKind(nonce: number): DumpKind {
  if (nonce === NONCE_ONLY_NODES) return "nodesOnly";
  if (nonce === NONCE_ONLY_CONFIG) return "configOnly";
  return "full";
}

export interface DumpContext extends ConfigContext {
  /** 2.8 sends other nodes' NodeInfos thin (no position, no metrics). */
  thinNodeInfos: boolean;
  /** No time source (no GPS, NTP or phone time): every last_heard is 0. */
  noTime?: boolean;
}

export function* dumpPayloads(nonce: number, ctx: DumpContext): Generator<Uint8Array> {
  const kind = dumpKind(nonce);
  // 69421 jumps straight to our own node_info and, after the other nodes, to complete.
  if (kind !== "nodesOnly") yield* leadingSections(ctx).map(encodeFromRadio);
  yield nodeInfoFrame(ctx.db.own, false, ctx.noTime);
  if (kind !== "nodesOnly") yield* trailingSections(ctx).map(encodeFromRadio);
  // 69420 skips the other node infos: configuration only.
  if (kind !== "configOnly") {
    for (const node of ctx.db.list()) yield nodeInfoFrame(node, ctx.thinNodeInfos, ctx.noTime);
  }
  if (kind !== "nodesOnly") yield* fileManifest().map(encodeFromRadio);
  yield encodeFromRadio({ payloadVariant: { case: "configCompleteId", value: nonce } });
}
