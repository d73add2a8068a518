// Test helpers shared by the test files.

let sequence = 0;

/** A new object name per test: storage is shared by all tests of one file, so fixed names would leak state. */
export function fresh(prefix: string): string {
  sequence += 1;
  return `${prefix}-${sequence}-${crypto.randomUUID()}`;
}

/** Resolve with the next message on a client WebSocket (register before sending). */
export function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no WebSocket message within 5 s")), 5_000);
    ws.addEventListener(
      "message",
      (event) => {
        clearTimeout(timer);
        resolve(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data as ArrayBuffer));
      },
      { once: true },
    );
  });
}
