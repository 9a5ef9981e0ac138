// A JSON payload inside a log message, so the Logs view can fold it (views/LogMessage.tsx).

/** Splits "text {json}" into the text and the parsed JSON (the last object/array that parses to the end). */
export function splitJson(message: string): { text: string; json: unknown } | null {
  const trimmed = message.trimEnd();
  if (!trimmed.endsWith('}') && !trimmed.endsWith(']')) return null;
  // Try the earliest opening brackets first: the longest payload wins. A few tries at most.
  let tries = 0;
  for (let i = 0; i < trimmed.length && tries < 8; i++) {
    const c = trimmed[i];
    if (c !== '{' && c !== '[') continue;
    tries++;
    try {
      const json: unknown = JSON.parse(trimmed.slice(i));
      if (json && typeof json === 'object') return { text: trimmed.slice(0, i).trimEnd(), json };
    } catch {
      // not JSON from here; try the next bracket
    }
  }
  return null;
}
