import { request } from "node:http";

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
}

/**
 * POSTs with node:http on a connection of its own. A server may answer 413 before it has read a
 * huge body and close the socket while the client is still writing: fetch (undici) reports that
 * as a failure even though the answer arrived, so huge bodies go through here instead.
 */
export function postRaw(
  url: string,
  body: Uint8Array,
  headers: Record<string, string>,
  { chunked = false } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: "POST",
      agent: false,
      headers: chunked
        ? { ...headers, "transfer-encoding": "chunked" }
        : { ...headers, "content-length": String(body.length) },
    });
    let answered = false;
    outgoing.on("response", (response) => {
      answered = true;
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers["content-type"] ?? ""),
          text,
        }),
      );
      response.on("error", reject);
    });
    // Writing may fail once the server has answered and closed: only an unanswered failure counts.
    outgoing.on("error", (error) => {
      if (!answered) reject(error);
    });
    const slice = 64 * 1024;
    for (let offset = 0; offset < body.length; offset += slice) {
      outgoing.write(body.subarray(offset, offset + slice));
    }
    outgoing.end();
  });
}
