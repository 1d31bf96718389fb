/**
 * `@switchboard/client`: the webview client of the Switchboard message bus.
 *
 * @example
 * ```ts
 * import { connect } from "@switchboard/client";
 * const client = await connect();
 * console.log(await client.invoke<string>("cmd:greet", { name: "Ada" }));
 * ```
 * @module
 */
export { bridgeBase, bridgeTransport, fromBase64, toBase64, } from "./bridge.js";
export { Client, connect, fromWireError } from "./client.js";
export { DEFAULT_LIMITS, decodeFrame, decodePayload, encodeBatch, encodeFrame, encodePayload, isBatch, splitBatch, } from "./codec.js";
export { ERROR_CODES, SwitchboardError, isSwitchboardError, } from "./errors.js";
export {} from "./events.js";
export { DEFAULT_STREAM_CREDIT, FRAME_KINDS, MAX_NAME_LEN, MAX_TOPIC_LEN, MAX_VERSIONS, PROTOCOL_VERSION, SUPPORTED_VERSIONS, addressProblem, nameProblem, parseTarget, topicProblem, } from "./frames.js";
export { Stream } from "./stream.js";
export { memoryTransport } from "./transport.js";
export { defaultClient, emit, invoke, listen, once, resetDefaultClient, setDefaultTransport, stream } from "./defaults.js";
