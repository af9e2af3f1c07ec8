// The `send` command: a PKI DM through the radio. The radio encrypts with the key in its own
// NodeDB (Router.cpp perhapsEncode), so all we can report is its routing result; our
// directory only explains a failure. Guards the radio's airtime with a per-minute limit.
import type { KeyDirectory } from "../directory/keys.js";
import { nodeId } from "../node-id.js";
import type { Radio, SendResult } from "../radio/link.js";
import { PacketRefused } from "../radio/pacer.js";
import type { Clock } from "../timing/clock.js";
import { dmFailure } from "./dm-failure.js";
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

  /** Resolves on the destination's ACK with the packet id and how long the DM waited for the radio's send limits. */
  async send(num: number, text: string): Promise<{ id: number; waited_ms: number }> {
    if (!this.opts.enabled) throw new SendError("sending is disabled (send.enabled is false)");
    if (!this.limit.take(this.opts.clock.now())) {
      throw new SendError(`refused: more than ${this.opts.maxPerMinute} messages per minute (send.max_per_minute)`);
    }
    let waited = 0;
    let result = await this.attempt(num, text);
    waited += result.waitedMs ?? 0;
    let pushNote = "push is off (push.enabled)";
    const { pusher } = this.opts;
    if (!result.ok && result.error === "PKI_SEND_FAIL_PUBLIC_KEY" && pusher?.enabled) {
      // The automatic push: it only fills the key the radio just said it lacks. The retry
      // waits its turn in the radio link's pacer (the firmware's 2 s text window), or the
      // firmware drops it without a word.
      const notFilled = await pusher.fill(num);
      if (notFilled === null) {
        result = await this.attempt(num, text);
        waited += result.waitedMs ?? 0;
        pushNote = "it was pushed into the radio, and the radio still refused";
      } else {
        pushNote = `not pushed: ${notFilled}`;
      }
    }
    if (result.ok) return { id: result.id, waited_ms: Math.round(waited) };
    throw new SendError(dmFailure(nodeId(num), result.error, this.opts.directory.view(num), pushNote));
  }

  private async attempt(num: number, text: string): Promise<SendResult> {
    try {
      return await this.opts.radio.sendText(num, text, this.opts.timeoutSec * 1000);
    } catch (err) {
      if (err instanceof PacketRefused) throw new SendError(`refused: ${err.message}; nothing was sent`);
      throw err;
    }
  }
}
