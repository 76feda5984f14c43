import { createHash } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";

/** The WebSocket side of Socket Mode, as far as a client needs it to connect and stay up. */
export interface FakeSocketMode {
  /** WebSocket connections opened so far. */
  connections(): number;
  /** Connections open now. */
  open(): number;
  /** Closes every open connection, as Slack does when it recycles a server. */
  dropAll(): void;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/**
 * Upgrades `GET /socket-mode` on the fake's HTTP server: says hello (Slack's handshake), answers
 * pings with pongs and close frames with a close. Enough of RFC 6455 for one small text frame
 * out and small control frames in; nothing Passdesk sends over the socket is inspected.
 */
export function attachSocketMode(server: Server, appId: string): FakeSocketMode {
  const sockets = new Set<Duplex>();
  let opened = 0;
  server.on("upgrade", (request: IncomingMessage, socket: Duplex) => {
    const key = request.headers["sec-websocket-key"];
    if (!request.url?.startsWith("/socket-mode") || typeof key !== "string") {
      socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
      return;
    }
    const accept = createHash("sha1").update(`${key}${GUID}`).digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    opened += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => sockets.delete(socket));
    const hello = { type: "hello", num_connections: 1, connection_info: { app_id: appId } };
    socket.write(frame(0x1, Buffer.from(JSON.stringify(hello))));
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let next = readFrame(buffered); next; next = readFrame(buffered)) {
        buffered = buffered.subarray(next.length);
        if (next.opcode === 0x9) socket.write(frame(0xa, next.payload));
        if (next.opcode === 0x8) {
          socket.end(frame(0x8, next.payload));
          sockets.delete(socket);
        }
      }
    });
  });
  return {
    connections: () => opened,
    open: () => sockets.size,
    dropAll() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}

/** An unmasked server frame (FIN set) with a payload under 64 KiB. */
function frame(opcode: number, payload: Buffer): Buffer {
  const header =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

/** One masked client frame from the start of `data`, once it has all arrived. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = (data[0] as number) & 0x0f;
  const masked = ((data[1] as number) & 0x80) !== 0;
  let size = (data[1] as number) & 0x7f;
  let offset = 2;
  if (size === 126) {
    if (data.length < 4) return undefined;
    size = data.readUInt16BE(2);
    offset = 4;
  } else if (size === 127) {
    if (data.length < 10) return undefined;
    size = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (data.length < offset + size) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + size));
  if (masked) {
    for (let i = 0; i < payload.length; i++) {
      payload[i] = (payload[i] as number) ^ (data[maskOffset + (i % 4)] as number);
    }
  }
  return { opcode, payload, length: offset + size };
}
