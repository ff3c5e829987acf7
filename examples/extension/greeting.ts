/**
 * An example pmmux extension (SPEC §17), loaded with `-x examples/extension/greeting.ts`. It adds:
 *
 * - the backend protocol `greeting` (TCP and UDP): answers with a fixed banner (`banner=...`), then closes;
 * - the detector `hello` (TCP): the client's first bytes are `HELLO`;
 * - the detector `tftp` (UDP): a TFTP read or write request (RFC 1350);
 * - the routing strategy `last-match`: the last matching backend of the highest tier present.
 *
 * ```sh
 * bun src/main.ts -x examples/extension/greeting.ts -p '!:8080:tcp' \
 *   -b 'hi:greeting:detect=hello,banner=Hello there' -b 'echo:echo'
 * printf 'HELLO\n' | nc -q1 127.0.0.1 8080      # → Hello there
 * ```
 *
 * An extension imports nothing from pmmux at run time (only types), so the same file loads under Deno, Bun
 * and the Bun single binary. Its plug-ins follow the contracts of the built-in ones: detectors are pure and
 * never throw; a backend closes its connection on every path.
 *
 * @module
 */
import type { BackendProtocol, Detector, Extension, StrategyFactory } from "../../src/extensions/types.ts";

const encoder = new TextEncoder();
const HELLO = encoder.encode("HELLO");

/** `detect=hello`: the first bytes are `HELLO` (too few bytes that could still become it: "more"). */
export const hello: Detector = {
  name: "hello",
  transports: ["tcp"],
  detect(bytes) {
    const n = Math.min(bytes.length, HELLO.length);
    for (let i = 0; i < n; i++) if (bytes[i] !== HELLO[i]) return "no";
    return bytes.length >= HELLO.length ? "match" : "more";
  },
};

const TFTP_MODES = new Set(["netascii", "octet", "mail"]);

/** `detect=tftp`: a TFTP RRQ/WRQ datagram: opcode 1 or 2, a file name, a transfer mode, each NUL-terminated. */
export const tftp: Detector = {
  name: "tftp",
  transports: ["udp"],
  detect(bytes) {
    if (bytes.length < 4 || bytes[0] !== 0 || (bytes[1] !== 1 && bytes[1] !== 2)) return "no";
    const nameEnd = bytes.indexOf(0, 2);
    if (nameEnd <= 2) return "no";
    const modeEnd = bytes.indexOf(0, nameEnd + 1);
    if (modeEnd < 0) return "no";
    let mode = "";
    for (let i = nameEnd + 1; i < modeEnd && mode.length <= 8; i++) {
      mode += String.fromCharCode(bytes[i] | 0x20);
    }
    return TFTP_MODES.has(mode) ? "match" : "no";
  },
};

/** The `greeting` backend protocol. */
export const greeting: BackendProtocol = {
  name: "greeting",
  transports: ["tcp", "udp"],
  defaultTier: "normal",
  params: [{ key: "banner", help: "text sent to the client (default: Hello from pmmux)" }],
  create(spec) {
    const text = Object.entries(spec.params).find(([k]) => k.toLowerCase() === "banner")?.[1];
    const banner = encoder.encode(`${text ?? "Hello from pmmux"}\n`);
    return {
      async handleTcp(conn, ctx) {
        try {
          await conn.write(banner);
          ctx.egressBytes += banner.length;
          await conn.closeWrite();
          // Read what the client sends until it finishes, so that closing does not reset the connection.
          for (let chunk = await conn.read(); chunk !== null; chunk = await conn.read()) {
            ctx.ingressBytes += chunk.length;
          }
          ctx.closeReason = "client";
        } catch {
          ctx.closeReason = "error";
        } finally {
          conn.close();
        }
      },
      openUdp: (ctx) => ({
        onDatagram() {
          ctx.writer.send(banner);
        },
        close() {},
      }),
    };
  },
};

/** `--routing-strategy last-match`: among the matching backends of the best tier, the last one defined. */
export const lastMatch: StrategyFactory = {
  name: "last-match",
  help: "the last matching backend of the highest tier present",
  create: () => ({
    name: "last-match",
    tiered: true,
    pick: (candidates) => candidates[candidates.length - 1],
  }),
};

/** The extension object pmmux looks for. */
export const extension: Extension = {
  name: "greeting",
  backends: [greeting],
  detectors: [hello, tftp],
  strategies: [lastMatch],
};
