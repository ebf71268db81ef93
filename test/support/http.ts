/** A response body as JSON, loosely typed: tests assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: assertions check the shape
export async function json(res: Response): Promise<any> {
  return res.json();
}

/** Text parsed as JSON, or undefined when it is not JSON (an error page, an empty body). */
// biome-ignore lint/suspicious/noExplicitAny: assertions check the shape
export function parseJsonOrUndefined(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
