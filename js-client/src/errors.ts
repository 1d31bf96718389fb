/**
 * Errors of the Switchboard client (PROTOCOL.md §6).
 *
 * Every failure the client reports is a {@link SwitchboardError} carrying a stable wire
 * `code`; match on the code, never on the message.
 *
 * @example
 * ```ts
 * import { SwitchboardError, isSwitchboardError } from "@switchboard/client";
 * try {
 *   await client.invoke("cmd:withdraw", { amount: 5 });
 * } catch (e) {
 *   if (isSwitchboardError(e, "app")) console.log("handler said", e.data);
 *   else throw e;
 * }
 * ```
 * @module
 */

/** The stable error codes of protocol version 1 (PROTOCOL.md §6). */
export type KnownErrorCode =
  | "malformed"
  | "too_large"
  | "unsupported_version"
  | "unknown_frame"
  | "protocol_violation"
  | "unknown_target"
  | "unknown_method"
  | "bad_payload"
  | "forbidden"
  | "busy"
  | "actor_failed"
  | "cancelled"
  | "deadline_exceeded"
  | "window_closed"
  | "app"
  | "internal";

/**
 * An error code: one of {@link KnownErrorCode}, or a code from a newer host, which a client
 * treats as a generic error.
 */
export type ErrorCode = KnownErrorCode | (string & {});

/** Every code this client knows, in PROTOCOL.md's order. */
export const ERROR_CODES: readonly KnownErrorCode[] = [
  "malformed",
  "too_large",
  "unsupported_version",
  "unknown_frame",
  "protocol_violation",
  "unknown_target",
  "unknown_method",
  "bad_payload",
  "forbidden",
  "busy",
  "actor_failed",
  "cancelled",
  "deadline_exceeded",
  "window_closed",
  "app",
  "internal",
];

/** Options of a {@link SwitchboardError}. */
export interface SwitchboardErrorOptions {
  /** Typed error data: for code `app`, the handler's decoded error value. */
  data?: unknown;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The one error class of the client: a stable `code`, a message for a person, and `data`
 * (for code `app`, the application's error value, decoded like any payload).
 *
 * @example
 * ```ts
 * const e = new SwitchboardError("forbidden", "window `main` may not call `cmd:secret`");
 * e.code; // "forbidden"
 * e instanceof Error; // true
 * ```
 */
export class SwitchboardError extends Error {
  /** The stable wire code. */
  readonly code: ErrorCode;
  /** Typed error data (decoded), or `undefined`. */
  readonly data: unknown;

  /** An error with `code` and `message`, and optional typed data. */
  constructor(code: ErrorCode, message: string, options: SwitchboardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SwitchboardError";
    this.code = code;
    this.data = options.data;
  }

  /** `code: message`, like the Rust `WireError`'s display. */
  override toString(): string {
    return `${this.name}: ${this.code}: ${this.message}`;
  }
}

/**
 * Whether `e` is a {@link SwitchboardError}, optionally of one `code`.
 *
 * @example
 * ```ts
 * if (isSwitchboardError(err, "cancelled")) return;
 * ```
 */
export function isSwitchboardError(e: unknown, code?: ErrorCode): e is SwitchboardError {
  return e instanceof SwitchboardError && (code === undefined || e.code === code);
}

/** A `malformed` error (internal shorthand). */
export function malformed(message: string): SwitchboardError {
  return new SwitchboardError("malformed", message);
}
