/** JSON text as a value, or undefined when it is not JSON: the schema that reads it next says what is wrong. */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
