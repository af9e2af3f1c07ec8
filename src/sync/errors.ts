// A command the engine refused for a reason the user can act on (unknown node, send refused,
// push refused): an expected answer, logged quietly, unlike a bug.
export class CommandRefused extends Error {}

export class NodeNotFoundError extends CommandRefused {}

/** A sync asked for while the radio is not connected: no sync could start. */
export class RadioNotReadyError extends CommandRefused {}
