// The shape of a TLS section (mqtt.tls, uplink.tls); the files themselves are checked at
// start by tls.ts. Apart from tls.ts so that the schema does not import the error reporting.
import { z } from "zod";

/** The shape of `mqtt.tls`, also `uplink.tls`: one declaration, one validation. */
export function tlsSchema() {
  const file = (description: string) => z.string().min(1).optional().describe(description);
  return z
    .strictObject({
      ca: file("File with the CA certificate(s) to trust"),
      cert: file("File with the client certificate"),
      key: file("File with the client certificate's private key"),
      reject_unauthorized: z.boolean().default(true).describe("Refuse brokers whose certificate does not verify"),
    })
    .superRefine((tls, ctx) => {
      if ((tls.cert === undefined) !== (tls.key === undefined)) {
        const missing = tls.cert === undefined ? "cert" : "key";
        ctx.addIssue({ code: "custom", path: [missing], message: "must be set together with the other of cert and key (a client certificate needs both)" });
      }
    })
    .prefault({});
}
