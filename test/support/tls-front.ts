import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { createServer, type Server } from "node:tls";
import { fileURLToPath } from "node:url";

/**
 * The test certificate for 127.0.0.1 (and localhost), trusted by every test process through
 * NODE_EXTRA_CA_CERTS (set in the vitest configs): Auth0's SDKs only speak https.
 */
export const TEST_CERTIFICATE = fileURLToPath(new URL("../fixtures/tls/cert.pem", import.meta.url));
const TEST_KEY = fileURLToPath(new URL("../fixtures/tls/key.pem", import.meta.url));

export interface TlsFront {
  /** `127.0.0.1:<port>`: what Auth0's SDKs call the `domain`. */
  domain: string;
  url: string;
  close(): Promise<void>;
}

/**
 * Terminates TLS on 127.0.0.1 and passes the bytes to a plain HTTP server, as a load balancer
 * in front of Passdesk does. `target` is read per connection, so the front can start first and
 * its URL be Passdesk's PUBLIC_URL.
 */
export function startTlsFront(target: () => number): Promise<TlsFront> {
  const server: Server = createServer(
    { key: readFileSync(TEST_KEY), cert: readFileSync(TEST_CERTIFICATE) },
    (socket) => {
      const upstream = connect(target(), "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on("error", close);
      upstream.on("error", close);
    },
  );
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      resolve({
        domain: `127.0.0.1:${port}`,
        url: `https://127.0.0.1:${port}`,
        close: () => new Promise((closed) => server.close(() => closed())),
      });
    });
  });
}
