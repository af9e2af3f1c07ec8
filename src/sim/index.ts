// The simulated radio's public surface: the product's demo mode and the project's test bench.
export { SimRadio } from "./radio.js";
export type { SimStats, SimRadioEvents, DumpInfo, ClientPacketRecord } from "./server-types.js";
export type { SimRadioOptions } from "./options.js";
export { SIM_DEFAULTS } from "./options.js";
export type { SimNode, SimPosition } from "./nodedb.js";
export type { RoutingAnswer, AdminEffect } from "./client-packets.js";
export type { DemoOptions, DemoStep, Sleep } from "./demo.js";
export type { DumpKind } from "./dump.js";
export { runSimulate, SIMULATE_HELP, parseSimulateArgs } from "./command.js";
