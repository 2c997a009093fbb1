/**
 * The deterministic reply: the same pieces in the same order every time, one
 * piece per completion token, so streamed deltas join to the full text.
 */
const pieces = [
  "This", " is", " a", " simulated", " reply", " from", " the", " keypool",
  " provider", " simulator", ".", " It", " is", " deterministic", " and", " free", ".",
];

/** The text of completion token `index` (0-based). */
export function completionPiece(index: number): string {
  return pieces[index % pieces.length] ?? "";
}

/** The whole reply of `tokens` tokens. */
export function completionText(tokens: number): string {
  let text = "";
  for (let i = 0; i < tokens; i++) text += completionPiece(i);
  return text;
}
