/**
 * The API's one error shape, and the typed errors that produce it.
 * @module
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { InputIssue } from "../model/inputs.ts";

/** Every error body: `{"error": {"code", "message", "issues"?}}`. */
export interface ErrorBody {
  /** The error. */
  error: {
    /** Stable machine-readable code, such as `invalid_input`. */
    code: string;
    /** One line for humans. */
    message: string;
    /** Each problem with the input, by path. */
    issues?: InputIssue[];
  };
}

/** An expected failure that the client caused, with its status and body. */
export class ApiError extends HTTPException {
  /** The body sent to the client. */
  readonly body: ErrorBody;
  /** Extra response headers, such as `WWW-Authenticate`. */
  headers: Record<string, string> = {};

  /** Creates an API error with a status, a code and a message. */
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    issues?: InputIssue[],
  ) {
    super(status, { message });
    this.body = { error: { code, message, ...(issues ? { issues } : {}) } };
  }

  /** The error code. */
  get code(): string {
    return this.body.error.code;
  }
}
