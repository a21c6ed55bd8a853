/**
 * What the tracker needs from its runtime, written against web standards only (no `node:` import), so the same
 * code runs on Node ≥ 20, in browsers and in edge runtimes: timers that may be unref()ed where that exists,
 * UUIDs from Web Crypto, UTF-8 sizes without Buffer.
 */

/** A timer handle: Node's Timeout object, or a browser's number. */
export type Timer = ReturnType<typeof setTimeout>;

/** Lets Node exit while only this timer is pending; a no-op where timers have no unref (browsers, edge). */
export function unrefTimer(timer: Timer): void {
  (timer as { unref?: () => void }).unref?.();
}

/** Makes a timer hold Node's process open again; a no-op elsewhere. */
export function refTimer(timer: Timer): void {
  (timer as { ref?: () => void }).ref?.();
}

/** A random (version 4) UUID from Web Crypto: `globalThis.crypto.randomUUID()` (Node ≥ 19, browsers, edge). */
export function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}

/**
 * Bytes of `text` in UTF-8, as the request body will carry it. A lone surrogate counts 3 bytes (U+FFFD), as
 * TextEncoder writes it; JSON.stringify escapes lone surrogates, so event JSON never holds one.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
