// The clock moved to src/timing/clock.ts (the key store needs it, and directory/ may not
// import sync/). This re-export only keeps manager.ts compiling while it is being reworked
// elsewhere; delete it once manager.ts imports ../timing/clock.js.
export { systemClock, type Clock } from "../timing/clock.js";
