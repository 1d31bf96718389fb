/**
 * The iterative structural scan of one MessagePack value (PROTOCOL.md §5), a port of the
 * Rust `switchboard_protocol::scan`, plus the payload integer range of §8.
 *
 * Before any typed decoding looks at input, {@link scan} walks it once without recursion:
 * every marker is known (`0xc1` is refused), every declared length fits in the bytes left
 * (an array of `n` needs `n` bytes, a map `2n`), nesting stays within the limit, and (for
 * payloads) every integer is within ±(2^53 − 1). It keeps one number per open container and
 * allocates nothing sized by the input. What needs the values themselves (UTF-8, duplicate
 * keys) is checked by the readers that run after it, before they return anything.
 * @internal
 * @module
 */
import { malformed } from "./errors.js";
const TWO_32 = 0x1_0000_0000;
/** The largest safe integer, 2^53 − 1. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
function cut(at) {
    return malformed(`input ends inside the value starting at offset ${at}`);
}
function pastEnd(at, declared, available) {
    return malformed(`value at offset ${at} declares ${declared} (bytes or entries) but only ${available} bytes are left`);
}
/**
 * Checks the one MessagePack value at the start of `bytes` and returns its length in bytes;
 * anything after it is left to the caller. Throws a `malformed` SwitchboardError naming
 * what is wrong and where.
 */
export function scan(bytes, rules) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = bytes.length;
    // Values still to read in each open container, innermost last.
    const open = [];
    let pos = 0;
    for (;;) {
        const at = pos;
        if (pos >= end)
            throw cut(at);
        const m = bytes[pos++];
        let body = 0; // bytes of body after the header
        let values = -1; // >= 0 for a container
        if (m <= 0x7f || m >= 0xe0) {
            // fixint
        }
        else if (m <= 0x8f) {
            values = 2 * (m & 0x0f);
        }
        else if (m <= 0x9f) {
            values = m & 0x0f;
        }
        else if (m <= 0xbf) {
            body = m & 0x1f;
        }
        else {
            switch (m) {
                case 0xc0:
                case 0xc2:
                case 0xc3:
                    break;
                case 0xc1:
                    throw malformed(`reserved byte 0xc1 at offset ${at}`);
                case 0xc4:
                case 0xd9:
                    if (pos + 1 > end)
                        throw cut(at);
                    body = bytes[pos];
                    pos += 1;
                    break;
                case 0xc5:
                case 0xda:
                    if (pos + 2 > end)
                        throw cut(at);
                    body = view.getUint16(pos);
                    pos += 2;
                    break;
                case 0xc6:
                case 0xdb:
                    if (pos + 4 > end)
                        throw cut(at);
                    body = view.getUint32(pos);
                    pos += 4;
                    break;
                case 0xc7:
                    if (pos + 1 > end)
                        throw cut(at);
                    body = bytes[pos] + 1;
                    pos += 1;
                    break;
                case 0xc8:
                    if (pos + 2 > end)
                        throw cut(at);
                    body = view.getUint16(pos) + 1;
                    pos += 2;
                    break;
                case 0xc9:
                    if (pos + 4 > end)
                        throw cut(at);
                    body = view.getUint32(pos) + 1;
                    pos += 4;
                    break;
                case 0xca:
                case 0xce:
                case 0xd2:
                    body = 4;
                    break;
                case 0xcb:
                    body = 8;
                    break;
                case 0xcc:
                case 0xd0:
                    body = 1;
                    break;
                case 0xcd:
                case 0xd1:
                    body = 2;
                    break;
                case 0xcf:
                case 0xd3:
                    body = 8;
                    if (rules.safeIntegers && pos + 8 <= end) {
                        const hi = view.getInt32(pos);
                        const value = m === 0xcf ? (hi >>> 0) * TWO_32 + view.getUint32(pos + 4) : hi * TWO_32 + view.getUint32(pos + 4);
                        if (value > MAX_SAFE || value < -MAX_SAFE) {
                            const exact = m === 0xcf ? view.getBigUint64(pos) : view.getBigInt64(pos);
                            throw malformed(`integer ${exact} at offset ${at} is outside ±(2^53 − 1); send it as a string`);
                        }
                    }
                    break;
                case 0xd4:
                    body = 2;
                    break;
                case 0xd5:
                    body = 3;
                    break;
                case 0xd6:
                    body = 5;
                    break;
                case 0xd7:
                    body = 9;
                    break;
                case 0xd8:
                    body = 17;
                    break;
                case 0xdc:
                    if (pos + 2 > end)
                        throw cut(at);
                    values = view.getUint16(pos);
                    pos += 2;
                    break;
                case 0xdd:
                    if (pos + 4 > end)
                        throw cut(at);
                    values = view.getUint32(pos);
                    pos += 4;
                    break;
                case 0xde:
                    if (pos + 2 > end)
                        throw cut(at);
                    values = 2 * view.getUint16(pos);
                    pos += 2;
                    break;
                default: // 0xdf
                    if (pos + 4 > end)
                        throw cut(at);
                    values = 2 * view.getUint32(pos);
                    pos += 4;
                    break;
            }
        }
        if (values >= 0) {
            if (open.length >= rules.maxDepth)
                throw malformed(`nesting deeper than ${rules.maxDepth} levels`);
            if (values > end - pos)
                throw pastEnd(at, values, end - pos);
            if (values > 0) {
                open.push(values);
                continue;
            }
        }
        else {
            if (body > end - pos)
                throw pastEnd(at, body, end - pos);
            pos += body;
        }
        // One value is complete: count it against the containers it closes.
        for (;;) {
            const top = open.length - 1;
            if (top < 0)
                return pos;
            const left = open[top] - 1;
            if (left > 0) {
                open[top] = left;
                break;
            }
            open.pop();
        }
    }
}
/**
 * The offset just past the value at `pos`, in input the scan has accepted (so every length
 * is known to fit). Iterative, like the scan.
 */
export function skipValue(bytes, view, pos) {
    let left = 1;
    while (left > 0) {
        left -= 1;
        const m = bytes[pos++];
        if (m <= 0x7f || m >= 0xe0 || m === 0xc0 || m === 0xc2 || m === 0xc3)
            continue;
        if (m <= 0x8f)
            left += 2 * (m & 0x0f);
        else if (m <= 0x9f)
            left += m & 0x0f;
        else if (m <= 0xbf)
            pos += m & 0x1f;
        else {
            switch (m) {
                case 0xc4:
                case 0xd9:
                    pos += 1 + view.getUint8(pos);
                    break;
                case 0xc5:
                case 0xda:
                    pos += 2 + view.getUint16(pos);
                    break;
                case 0xc6:
                case 0xdb:
                    pos += 4 + view.getUint32(pos);
                    break;
                case 0xc7:
                    pos += 2 + view.getUint8(pos);
                    break;
                case 0xc8:
                    pos += 3 + view.getUint16(pos);
                    break;
                case 0xc9:
                    pos += 5 + view.getUint32(pos);
                    break;
                case 0xca:
                case 0xce:
                case 0xd2:
                    pos += 4;
                    break;
                case 0xcb:
                case 0xcf:
                case 0xd3:
                    pos += 8;
                    break;
                case 0xcc:
                case 0xd0:
                    pos += 1;
                    break;
                case 0xcd:
                case 0xd1:
                    pos += 2;
                    break;
                case 0xd4:
                    pos += 2;
                    break;
                case 0xd5:
                    pos += 3;
                    break;
                case 0xd6:
                    pos += 5;
                    break;
                case 0xd7:
                    pos += 9;
                    break;
                case 0xd8:
                    pos += 17;
                    break;
                case 0xdc:
                    left += view.getUint16(pos);
                    pos += 2;
                    break;
                case 0xdd:
                    left += view.getUint32(pos);
                    pos += 4;
                    break;
                case 0xde:
                    left += 2 * view.getUint16(pos);
                    pos += 2;
                    break;
                case 0xdf:
                    left += 2 * view.getUint32(pos);
                    pos += 4;
                    break;
                default:
                    throw malformed(`reserved byte 0x${m.toString(16)} at offset ${pos - 1}`);
            }
        }
    }
    return pos;
}
