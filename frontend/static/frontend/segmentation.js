// Word segmentation correction. A segmentation is the list of word ends in code points,
// rising strictly and finishing at the text's length (what the API stores): "北京开了"
// split as 北京 / 开 / 了 is [2, 3, 4].

export function fromTokens(tokens, length) {
  const ends = tokens.map(([, end]) => end).filter((end) => end > 0 && end <= length);
  if (ends[ends.length - 1] !== length) ends.push(length);
  return [...new Set(ends)].sort((a, b) => a - b);
}

// The words as [start, end) pairs.
export function words(ends) {
  return ends.map((end, index) => [index ? ends[index - 1] : 0, end]);
}

// Split the word around ``point`` there; a point on a boundary changes nothing.
export function split(ends, point) {
  if (point <= 0 || point >= ends[ends.length - 1] || ends.includes(point)) return ends;
  return [...ends, point].sort((a, b) => a - b);
}

// Merge the word holding ``point`` (a caret just before or inside it) with the next one.
export function mergeWithNext(ends, point) {
  const index = ends.findIndex((end) => end > point);
  if (index === -1 || index === ends.length - 1) return ends;
  return ends.filter((_, i) => i !== index);
}

// Whether ``ends`` is a segmentation the API accepts for a text of ``length``.
export function valid(ends, length) {
  return (
    ends.length > 0 &&
    ends[ends.length - 1] === length &&
    ends.every((end, i) => Number.isInteger(end) && end > (i ? ends[i - 1] : 0))
  );
}
