const sb = globalThis.switchboard;
export const { emit, invoke, isSwitchboardError, listen, once, stream } = sb;
