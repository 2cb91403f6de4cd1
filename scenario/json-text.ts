/** Whether text parses as JSON (the loader's format rule, and the runner's guess whether the server can read a raw send). */
export function isJsonText(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
