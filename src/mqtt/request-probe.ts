// A self-test of the request subscription. Mosquitto 2.0 answers SUBACK 0 (granted) for a
// filter its ACL file denies reading, then silently delivers nothing: the bridge would be
// deaf to every request and say nothing. So after every granted subscription that covers
// the probe topic, we publish a probe there ourselves and expect it back; the broker handles
// one client's packets in order, so our copy is written before the PUBACK of the probe,
// and the wait starts only once that PUBACK is in.
import type { Clock } from "../timing/clock.js";
import type { LogPort } from "../log-port.js";
import { reasonCodeOf, reasonText } from "./reasons.js";
import { topicMatches } from "./topics.js";

/** How long after the broker accepted the probe its copy may take to come back. */
export const PROBE_CEILING_MS = 10_000;

export interface ProbePort {
  /** A QoS 1, non-retained publish; `done` gets the PUBACK's error, if any. */
  publish(topic: string, text: string, done: (error: Error | null | undefined) => void): void;
  /** The probe did not come back: `reason` names the likely cause. */
  deaf(filter: string, reason: string): void;
  /** It came back (after an earlier `deaf`, the subscription works again). */
  heard(filter: string): void;
}

export function deafReason(filter: string, protocol: 4 | 5): string {
  const also = protocol === 4 ? " (or one that denies us publishing the probe, which MQTT 3.1.1 does not report)" : "";
  return `delivers nothing (a probe published to it never came back); likely an ACL that denies reading ${filter}${also}`;
}

export class RequestProbe {
  private round = 0;
  private waiting: { nonce: string; filter: string; abort: AbortController } | null = null;

  constructor(
    /** Our own topic for probes; any message on it is ours or another instance's probe, never a request. */
    readonly topic: string,
    private readonly instance: string,
    private readonly port: ProbePort,
    private readonly clock: Clock,
    private readonly log: LogPort,
    private readonly ceilingMs = PROBE_CEILING_MS,
  ) {}

  /** The broker's SUBACK codes for `filters`: probe the granted one that covers our topic, if any. */
  granted(filters: readonly string[], codes: readonly (number | object)[], protocol: 4 | 5): void {
    const filter = filters.find((f, i) => topicMatches(f, this.topic) && isGranted(codes[i]));
    if (filter === undefined) return;
    this.cancel();
    const nonce = `${this.instance}-${++this.round}`;
    const abort = new AbortController();
    const probe = { nonce, filter, abort };
    this.waiting = probe;
    this.port.publish(this.topic, JSON.stringify({ probe: nonce }), (error) => {
      if (this.waiting !== probe) return;
      if (error !== null && error !== undefined) {
        this.waiting = null;
        // Refused to us (a read-only ACL is a sensible one) or the connection went: no verdict.
        const code = reasonCodeOf(error);
        const why = code === null ? error.message : reasonText(code);
        return this.log.info({ topic: this.topic, reason: why }, "MQTT: could not self-test the request subscription (the probe was not accepted)");
      }
      void this.clock.sleep(this.ceilingMs, abort.signal).then(() => {
        if (abort.signal.aborted || this.waiting !== probe) return;
        this.waiting = null;
        this.port.deaf(filter, deafReason(filter, protocol));
      });
    });
  }

  /** True when the message is a probe (ours or another instance's): no request, never handled. */
  intercept(topic: string, payload: Buffer): boolean {
    if (topic !== this.topic) return false;
    const probe = this.waiting;
    if (probe !== null && payload.toString() === JSON.stringify({ probe: probe.nonce })) {
      this.cancel();
      this.log.debug({ topic: probe.filter }, "MQTT: the request subscription's probe came back");
      this.port.heard(probe.filter);
    }
    return true;
  }

  /** The connection ended (or we stop): a probe under way says nothing. */
  cancel(): void {
    this.waiting?.abort.abort();
    this.waiting = null;
  }
}

/** A SUBACK code below 0x80 is the QoS granted; from 0x80 on, a failure. */
function isGranted(code: number | object | undefined): boolean {
  return typeof code === "number" && code < 0x80;
}
