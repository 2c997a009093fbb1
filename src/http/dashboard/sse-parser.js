/**
 * A Server-Sent Events parser per the HTML standard: lines end in CRLF, LF
 * or CR; a blank line dispatches; "event", "data" and "retry" fields; ":"
 * comments. The page reads the stream with fetch() because EventSource
 * cannot send the Authorization header, so it parses the events itself.
 *
 * Returns a function that takes each chunk of bytes as it arrives.
 * `dispatch(event, data)` is called per complete event ("message" when it
 * names none); `onRetry(ms)` when the server sets a reconnection delay.
 */
export function createSseParser(dispatch, onRetry = () => {}) {
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data = [];
  return (chunk) => {
    buffer += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (match === null) return;
      // A CR at the very end may be the first half of a CRLF.
      if (match[0] === "\r" && match.index === buffer.length - 1) return;
      const line = buffer.slice(0, match.index);
      buffer = buffer.slice(match.index + match[0].length);
      if (line === "") {
        if (data.length > 0) dispatch(event || "message", data.join("\n"));
        event = "";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
      else if (field === "retry" && /^\d+$/.test(value)) onRetry(Number(value));
    }
  };
}
