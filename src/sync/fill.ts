// The push policy's automatic path as the API server asks for it before a client's DM or for
// a client's add_contact: fill a key the radio lacks, under push.enabled and push.max_per_hour,
// and say whether the radio took it. KeyPusher.push already refuses a key the radio holds; a
// refusal is an answer here, not an error.
import { PushRefused, type KeyPusher } from "./push.js";

export function keyFiller(pusher: KeyPusher): { fillIfMissing(num: number): Promise<boolean> } {
  return {
    async fillIfMissing(num: number): Promise<boolean> {
      if (!pusher.enabled) return false;
      try {
        await pusher.push(num);
        return true;
      } catch (err) {
        if (err instanceof PushRefused) return false;
        throw err;
      }
    },
  };
}
