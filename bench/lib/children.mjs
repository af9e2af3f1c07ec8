// Child processes with a request/response channel over IPC, and a registry so that nothing
// outlives the bench: every child is killed when the bench exits, however it exits.
import { fork } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { withTimeout } from "./time.mjs";

const live = new Set();
process.on("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Tracks a child process spawned elsewhere (e.g. with spawn) for the exit-time cleanup. */
export function track(child) {
  live.add(child);
  child.once("exit", () => live.delete(child));
  return child;
}

/**
 * Forks `script` with `args`; its stderr goes to `logFile` (a bench/results/*.log file,
 * gitignored). Resolves once the child sent {type: "ready"}, with a handle for requests.
 */
export async function startChild(script, args, { logFile, execArgv = [], readyTimeoutMs = 60_000 }) {
  const fd = openSync(logFile, "w");
  const child = track(fork(script, args, { execArgv, stdio: ["ignore", "ignore", fd, "ipc"] }));
  closeSync(fd);
  const pending = new Map();
  let nextId = 1;
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  child.on("message", (msg) => {
    if (msg?.type !== "reply") return;
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(new Error(msg.error));
    else waiter.resolve(msg.value);
  });
  child.once("exit", (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited (${code ?? signal})`));
    pending.clear();
  });
  const ready = await withTimeout(
    new Promise((resolve, reject) => {
      child.on("message", (msg) => msg?.type === "ready" && resolve(msg));
      child.once("exit", (code, signal) => reject(new Error(`${script} exited before it was ready (${code ?? signal}); see ${logFile}`)));
    }),
    readyTimeoutMs,
    `${script} start`,
  );
  return {
    ready,
    pid: child.pid,
    /** Sends a command; the child answers {type: "reply", id, value | error}. */
    request(cmd, params = {}, timeoutMs = 30_000) {
      const id = nextId++;
      const answer = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      child.send({ id, cmd, params });
      return withTimeout(answer, timeoutMs, `${script} ${cmd}`);
    },
    /** Asks the child to stop cleanly; kills it if it has not exited after `timeoutMs`. */
    async stop(timeoutMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ id: 0, cmd: "stop", params: {} });
      try {
        await withTimeout(exited, timeoutMs, `${script} stop`);
      } catch {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** The child side: answers requests with `handlers[cmd](params)`; "stop" calls onStop and leaves. */
export function serveRequests(handlers, onStop) {
  process.on("disconnect", () => process.exit(0)); // the bench went away: never linger
  process.on("message", async (msg) => {
    if (msg.cmd === "stop") {
      await onStop();
      process.disconnect();
      return;
    }
    try {
      const handler = handlers[msg.cmd];
      if (!handler) throw new Error(`unknown command ${msg.cmd}`);
      process.send({ type: "reply", id: msg.id, value: await handler(msg.params) });
    } catch (err) {
      process.send({ type: "reply", id: msg.id, error: err instanceof Error ? err.message : String(err) });
    }
  });
}
