// The commands about one node's key (node, accept_key, reject_key, forget): the directory
// does the change, the engine's figures follow once it is durable and announced, so a
// response never reports what a restart could lose.
import type { KeyDirectory } from "../directory/keys.js";
import type { NodeView } from "../directory/record.js";
import { nodeId } from "../node-id.js";
import { CommandRefused, NodeNotFoundError } from "./errors.js";

/** The manager's side: run a directory change, then publish the figures once it is announced. */
export interface ChangeFigures {
  afterChange<T>(change: () => T): Promise<T>;
}

export class KeyCommands {
  constructor(
    private readonly directory: KeyDirectory,
    private readonly figures: ChangeFigures,
  ) {}

  node(num: number): NodeView {
    return this.directory.view(num) ?? notFound(num);
  }

  /** accept_key: the node's changed key becomes held and confirmed. */
  async acceptKey(num: number): Promise<NodeView> {
    return (await this.figures.afterChange(() => this.directory.acceptKey(num))) ?? notFound(num);
  }

  /** reject_key: the node's changed key is judged an impersonation; refused when nothing changed. */
  async rejectKey(num: number): Promise<NodeView> {
    const result = (await this.figures.afterChange(() => this.directory.rejectKey(num))) ?? notFound(num);
    if (!result.rejected) throw new CommandRefused(`node ${nodeId(num)} has no changed key to reject (status ${result.view.status})`);
    return result.view;
  }

  async forget(num: number): Promise<void> {
    if (!(await this.figures.afterChange(() => this.directory.forget(num)))) notFound(num);
  }
}

function notFound(num: number): never {
  throw new NodeNotFoundError(`node ${nodeId(num)} is not in the key directory`);
}
