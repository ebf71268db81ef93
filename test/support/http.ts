/** A response body as JSON, loosely typed: tests assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: assertions check the shape
export async function json(res: Response): Promise<any> {
  return res.json();
}
