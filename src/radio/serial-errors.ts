// Serial port failures in words a user can act on; they become radio/state's reason. The
// binding reports them as C strings ("Error: Permission denied, cannot open /dev/ttyUSB0",
// "Error Resource temporarily unavailable Cannot lock port"), Node's fs as errno codes.

const GROUP_HINT = "add the user that runs the bridge to the dialout group (sudo usermod -aG dialout USER, then log in again; in Docker: devices: and group_add: [dialout])";

function textOf(err: unknown): { message: string; code: string } {
  const e = err as (Error & { code?: unknown }) | null | undefined;
  return { message: e?.message ?? String(err), code: typeof e?.code === "string" ? e.code : "" };
}

/** Why `path` could not be opened. */
export function describeOpenError(path: string, err: unknown): string {
  const { message, code } = textOf(err);
  if (code === "ENOENT" || /no such file or directory/i.test(message)) {
    return `no serial device at ${path}: is the radio plugged in? (ls -l /dev/serial/by-id/ lists the USB serial devices; that path stays the same across reboots)`;
  }
  if (code === "EACCES" || code === "EPERM" || /permission denied|operation not permitted/i.test(message)) {
    return `permission denied on ${path}: ${GROUP_HINT}`;
  }
  if (code === "EBUSY" || code === "EAGAIN" || /cannot lock port|resource temporarily unavailable|device or resource busy/i.test(message)) {
    return `${path} is in use by another program (a serial monitor, the Meshtastic CLI or another bridge?): only one program at a time can hold a serial port; close the other one`;
  }
  if (/not a (typewriter|tty)|inappropriate ioctl|is a directory/i.test(message)) {
    return `${path} is not a serial device`;
  }
  return `cannot open ${path}: ${message.replace(/^Error:?\s*/i, "")}`;
}

/** Why an open line ended: a read or write failed, or the device went away (null: end of file). */
export function describeLineError(path: string, err: unknown): string {
  if (err === null) return `serial device ${path} went away (unplugged, or the radio restarted its USB)`;
  const { message } = textOf(err);
  return `serial device ${path} went away (unplugged, or the radio restarted its USB): ${message.replace(/^Error:?\s*/i, "")}`;
}
