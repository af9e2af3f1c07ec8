// What the MQTT command table calls: the sync engine, the key commands and the two radio
// actions beside it. Adding a command is one entry in mqtt/commands.ts plus the method it
// calls on one of these.
import type { KeyCommands } from "./key-commands.js";
import type { KeySyncManager } from "./manager.js";
import type { KeyPusher } from "./push.js";
import type { DmSender } from "./send.js";

export interface Engine {
  readonly manager: KeySyncManager;
  readonly keys: KeyCommands;
  readonly sender: DmSender;
  readonly pusher: KeyPusher;
}
