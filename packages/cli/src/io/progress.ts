/**
 * @module A one-line progress bar on stderr (only when stderr is a terminal), redrawn at most ten
 * times a second: `[#########-----------]  450/1000  45%  3 failed  812/s`.
 */

export interface ProgressCounts {
  readonly done: number;
  readonly failed: number;
  readonly total: number | undefined;
}

export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #label: string;
  readonly #started = Date.now();
  #last = 0;
  #drawn = false;

  constructor(stream: NodeJS.WriteStream, label: string) {
    this.#stream = stream;
    this.#label = label;
  }

  update(c: ProgressCounts, force = false): void {
    const now = Date.now();
    if (!force && now - this.#last < 100) return;
    this.#last = now;
    const rate = Math.round((c.done / Math.max(1, now - this.#started)) * 1000);
    const width = 24;
    let line: string;
    if (c.total !== undefined && c.total > 0) {
      const ratio = Math.min(1, c.done / c.total);
      const fill = Math.round(ratio * width);
      line = `${this.#label} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${c.done}/${c.total} ${Math.floor(ratio * 100)}%`;
    } else line = `${this.#label} ${c.done}`;
    if (c.failed > 0) line += `  ${c.failed} failed`;
    line += `  ${rate}/s`;
    const cols = this.#stream.columns || 80;
    this.#stream.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
    this.#drawn = true;
  }

  /** Removes the bar so that the summary starts on a clean line. */
  clear(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }
}
