/**
 * Reading a JSON request body: content type, size limit, parsing.
 * @module
 */
import type { BodyDeadline } from "./deadline.ts";
import { ApiError } from "./errors.ts";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Limits on reading a body. */
export interface BodyLimits {
  /** Largest body in bytes (413 above). */
  maxBytes: number;
  /** Time limit on receiving it (408 after); none when absent. */
  deadline?: BodyDeadline;
}

/**
 * Reads and parses the JSON body of `req`, refusing a wrong content type
 * (415), a body over `maxBytes` (413), one that arrives too slowly (408) and
 * malformed JSON (400).
 */
export async function readJson(req: Request, limits: BodyLimits): Promise<unknown> {
  const { maxBytes, deadline } = limits;
  const type = req.headers.get("content-type");
  if (type !== "application/json" && (type === null || !JSON_TYPE.test(type))) {
    throw new ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
  const declared = req.headers.get("content-length");
  if (declared === null) {
    return parse(await readBody(timed(readCapped(req, maxBytes), deadline)));
  }
  // the server enforces content-length framing, so the body is exactly this long
  if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
  // req.json() takes Deno's whole-body fast path; text() + JSON.parse does not
  try {
    return await timed(req.json(), deadline);
  } catch (err) {
    if (err instanceof SyntaxError) throw malformed();
    if (err instanceof ApiError) throw err;
    throw unreadable();
  }
}

function timed<T>(read: Promise<T>, deadline: BodyDeadline | undefined): Promise<T> {
  return deadline ? deadline.guard(read) : read;
}

async function readBody(read: Promise<string>): Promise<string> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw unreadable();
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed();
  }
}

// the client went away or broke off the body: its fault, not a 500
function unreadable(): ApiError {
  return new ApiError(400, "body_unreadable", "Cannot read the request body: it ended early");
}

function malformed(): ApiError {
  return new ApiError(400, "malformed_json", "Request body is not valid JSON");
}

async function readCapped(req: Request, maxBytes: number): Promise<string> {
  if (req.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(all);
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, "payload_too_large", `Request body exceeds ${maxBytes} bytes`);
}
