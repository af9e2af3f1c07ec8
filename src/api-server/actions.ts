// What the server does for a client's request beyond the handshake: a heartbeat answered
// locally, a packet passed to the radio (a PKI DM after the push policy had its chance to
// fill the destination's key), add_contact absorbed, an admin write refused.
import { RoutingError, NONCE_ONLY_CONFIG } from "../protocol/messages.js";
import type { LogPort } from "../log-port.js";
import { nodeId } from "../node-id.js";
import type { Radio } from "../radio/link.js";
import { NotSent, PacketRefused } from "../radio/pacer.js";
import type { SharedRadio } from "../radio/shared.js";
import type { ClientRequest } from "./requests.js";
import { clientNotification, queueStatus, routingAnswer, type QueueFigures } from "./replies.js";
import type { ApiSession } from "./session.js";
import type { ClientView } from "./view.js";

/**
 * The push policy's automatic path (push.enabled, push.max_per_hour, only a confirmed key the
 * radio lacks): true when the radio acknowledged the key; never throws for a refusal.
 */
export interface KeyFiller {
  fillIfMissing(num: number): Promise<boolean>;
}

export type ActedRequest = Extract<ClientRequest, { kind: "forward" | "contact" | "refuse" | "heartbeat" }>;

/** NO_INTERFACE: what a client hears for a packet that could not go out (the radio link is down). */
const NO_INTERFACE = 4;

/** What a client is told when its request is refused without admin: what, and the setting that allows it. */
export function refusedText(what: string): string {
  return `meshtastic-keysync refused ${what}: this API server passes no admin writes (api_server.admin is false; set it to true to allow them)`;
}

export interface ActionsOptions {
  radio: Radio & SharedRadio;
  filler: KeyFiller;
  /** send.timeout: how long a forwarded packet's routing result is waited for. */
  timeoutMs: number;
  log: LogPort;
  view(): ClientView | null;
  queue(): QueueFigures;
}

export class ClientActions {
  /** Keys pushed into the radio since its last re-read: its cached NodeDB does not show them yet. */
  private readonly pushed = new Set<number>();
  private configRefresh: Promise<void> = Promise.resolve();

  constructor(private readonly opts: ActionsOptions) {}

  /** The radio's NodeDB was read again: what it holds is known from it. */
  radioReread(): void {
    this.pushed.clear();
  }

  async act(session: ApiSession, request: ActedRequest, payload: Uint8Array): Promise<void> {
    const ownNum = this.opts.radio.cache?.myNodeNum ?? this.opts.radio.info?.myNodeNum ?? 0;
    switch (request.kind) {
      case "heartbeat":
        session.send(queueStatus(this.opts.queue()));
        return;
      case "refuse":
        this.opts.log.warn({ client: session.address, refused: request.what }, `refused ${request.what} from API client ${session.address} (api_server.admin is false)`);
        if (request.requestId !== null) session.send(routingAnswer(ownNum, request.requestId, RoutingError.NOT_AUTHORIZED));
        // The routing error alone reaches no user: the apps and the Python CLI show a notification.
        session.send(clientNotification(refusedText(request.what), request.requestId ?? undefined));
        return;
      case "contact":
        // Answered as the radio would; the key the client sent is not trusted, the directory's may be.
        if (request.wantAck) session.send(routingAnswer(ownNum, request.requestId, RoutingError.NONE));
        await this.fill(request.num, session);
        return;
      case "forward":
        await this.forward(session, request, payload, ownNum);
        return;
    }
  }

  private async forward(session: ApiSession, request: Extract<ActedRequest, { kind: "forward" }>, payload: Uint8Array, ownNum: number): Promise<void> {
    const { radio } = this.opts;
    // A PKI DM goes out only with the destination's key in the radio (Router.cpp): give the push policy its chance first.
    if (request.dmTo !== null && !this.radioHasKey(request.dmTo)) await this.fill(request.dmTo, session);
    const packet = request.packet ? { ...request.packet, pki: request.dmTo !== null, timeoutMs: this.opts.timeoutMs } : null;
    const settled = radio.forward(payload, session.address, packet).catch((err: unknown) => {
      if (!(err instanceof NotSent)) {
        this.opts.log.debug({ client: session.address, err: String(err) }, "no routing result for a client packet");
        return null;
      }
      // Never written: the client hears it at once, so its library does not wait for an answer that cannot come.
      const refused = err instanceof PacketRefused;
      this.opts.log[refused ? "warn" : "debug"]({ client: session.address, err: err.message }, `client packet not passed on: ${err.message}`);
      if (packet && packet.id !== 0) session.send(routingAnswer(ownNum, packet.id, refused ? err.code : NO_INTERFACE));
      return null;
    });
    // The radio applies an admin write before it answers it: re-read the configuration then.
    if (request.adminWrite) void settled.then(() => this.refreshConfig());
  }

  private radioHasKey(num: number): boolean {
    return this.pushed.has(num) || this.opts.view()?.radio.keyed.has(num) === true;
  }

  private async fill(num: number, session: ApiSession): Promise<void> {
    if (num <= 0 || this.radioHasKey(num)) return;
    try {
      if (await this.opts.filler.fillIfMissing(num)) {
        this.pushed.add(num);
        this.opts.log.info({ client: session.address, id: nodeId(num) }, `pushed the key of ${nodeId(num)} into the radio for API client ${session.address}`);
      }
    } catch (err) {
      this.opts.log.warn({ id: nodeId(num), err: String(err) }, "push before an API client's DM failed");
    }
  }

  /** After an admin write the radio's configuration may have changed: re-read it (69420), one after another. */
  private refreshConfig(): Promise<void> {
    this.configRefresh = this.configRefresh
      .then(() => this.opts.radio.refreshConfig())
      .catch((err: unknown) => this.opts.log.warn({ err: String(err), nonce: NONCE_ONLY_CONFIG }, "re-reading the radio's configuration failed"));
    return this.configRefresh;
  }
}
