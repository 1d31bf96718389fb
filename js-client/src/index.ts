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

export {
  type BridgeGlobals,
  type BridgeOptions,
  type BridgeTransport,
  bridgeBase,
  bridgeTransport,
  fromBase64,
  toBase64,
} from "./bridge.js";
export { type ConnectOptions, type InvokeOptions, type SessionInfo, Client, connect, fromWireError } from "./client.js";
export {
  type DecodeLimits,
  type RequestHead,
  DEFAULT_LIMITS,
  decodeFrame,
  decodePayload,
  encodeBatch,
  encodeFrame,
  encodePayload,
  encodeRequest,
  isBatch,
  splitBatch,
} from "./codec.js";
export {
  type ErrorCode,
  type KnownErrorCode,
  type SwitchboardErrorOptions,
  ERROR_CODES,
  SwitchboardError,
  isSwitchboardError,
} from "./errors.js";
export { type EventListener, type EventMeta, type Listener, type ReceivedEvent, type Unlisten } from "./events.js";
export {
  type CancelFrame,
  type CreditFrame,
  type ErrorFrame,
  type EventFrame,
  type EventsFrame,
  type Frame,
  type FrameKind,
  type HelloFrame,
  type OutgoingFrame,
  type RequestFrame,
  type ResponseFrame,
  type SessionLimits,
  type StreamEndFrame,
  type StreamItemFrame,
  type SubscribeFrame,
  type Target,
  type UnsubscribeFrame,
  type WelcomeFrame,
  type WireError,
  DEFAULT_STREAM_CREDIT,
  EVENTS_VERSION,
  FRAME_KINDS,
  MAX_NAME_LEN,
  MAX_TOPIC_LEN,
  MAX_VERSIONS,
  PROTOCOL_VERSION,
  SUPPORTED_VERSIONS,
  addressProblem,
  frameVersion,
  nameProblem,
  parseTarget,
  topicProblem,
} from "./frames.js";
export { type StreamOptions, Stream } from "./stream.js";
export { type MemoryHost, type MemoryTransport, type Transport, memoryTransport } from "./transport.js";
export { defaultClient, emit, invoke, listen, once, resetDefaultClient, setDefaultTransport, stream } from "./defaults.js";
