// The range of sync.interval, shared by the config schema, the `interval` command and Home
// Assistant's number entity, so the three can never disagree.
export const INTERVAL = { min: 30, max: 86_400, step: 1 } as const;
