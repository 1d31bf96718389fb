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
/** Every code this client knows, in PROTOCOL.md's order. */
export const ERROR_CODES = [
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
    code;
    /** Typed error data (decoded), or `undefined`. */
    data;
    /** An error with `code` and `message`, and optional typed data. */
    constructor(code, message, options = {}) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.name = "SwitchboardError";
        this.code = code;
        this.data = options.data;
    }
    /** `code: message`, like the Rust `WireError`'s display. */
    toString() {
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
export function isSwitchboardError(e, code) {
    return e instanceof SwitchboardError && (code === undefined || e.code === code);
}
/** A `malformed` error (internal shorthand). */
export function malformed(message) {
    return new SwitchboardError("malformed", message);
}
