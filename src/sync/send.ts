// The `send` command: a PKI DM through the radio. The radio encrypts with the key in its own
// NodeDB (Router.cpp perhapsEncode), so all we can report is its routing result; our
// directory only explains a failure. Guards the radio's airtime with a per-minute limit.
import type { KeyDirectory } from "../directory/keys.js";
import { nodeId } from "../node-id.js";
import type { Radio } from "../radio/link.js";
import type { Clock } from "../timing/clock.js";
import { CommandRefused } from "./errors.js";
import { SlidingLimit } from "../timing/limit.js";
import type { KeyPusher } from "./push.js";

export class SendError extends CommandRefused {}

export interface SenderOptions {
  radio: Radio;
  directory: KeyDirectory;
  clock: Clock;
  enabled: boolean;
  maxPerMinute: number;
  timeoutSec: number;
  /** With push.enabled: give the radio a key it lacks, then try once more. */
  pusher?: KeyPusher;
}

export class DmSender {
  private readonly limit: SlidingLimit;

  constructor(private readonly opts: SenderOptions) {
    this.limit = new SlidingLimit(opts.maxPerMinute, 60_000);
  }

  async send(num: number, text: string): Promise<{ id: number }> {
    if (!this.opts.enabled) throw new SendError("sending is disabled (send.enabled is false)");
    const to = nodeId(num);
    if (!this.limit.take(this.opts.clock.now())) {
      throw new SendError(`refused: more than ${this.opts.maxPerMinute} messages per minute (send.max_per_minute)`);
    }
    let result = await this.opts.radio.sendText(num, text, this.opts.timeoutSec * 1000);
    let pushNote = "push is off (push.enabled)";
    const { pusher } = this.opts;
    if (!result.ok && result.error === "PKI_SEND_FAIL_PUBLIC_KEY" && pusher?.enabled) {
      // The automatic push: it only fills the key the radio just said it lacks.
      const notFilled = await pusher.fill(num);
      if (notFilled === null) {
        result = await this.opts.radio.sendText(num, text, this.opts.timeoutSec * 1000);
        pushNote = "it was pushed into the radio, and the radio still refused";
      } else {
        pushNote = `not pushed: ${notFilled}`;
      }
    }
    if (result.ok) return { id: result.id };
    const ours = this.opts.directory.get(num);
    switch (result.error) {
      case "PKI_SEND_FAIL_PUBLIC_KEY": {
        const have = ours?.fingerprint ? `our key directory has one (fingerprint ${ours.fingerprint}); ${pushNote}` : "our key directory has none either";
        throw new SendError(`the radio has no public key for ${to} (PKI_SEND_FAIL_PUBLIC_KEY): ${have}`);
      }
      case "PKI_FAILED":
        throw new SendError(`the radio's key for ${to} does not match (PKI_FAILED); see the key_mismatch event`);
      case "PKI_UNKNOWN_PUBKEY":
        throw new SendError(`${to} does not have our public key (PKI_UNKNOWN_PUBKEY); the radio re-sends our NodeInfo`);
      default:
        throw new SendError(`the radio could not deliver to ${to}: ${result.error}`);
    }
  }
}
