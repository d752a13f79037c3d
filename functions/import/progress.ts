/** Where progress goes: stderr, or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** What is being done, e.g. "importing leads.csv". */
  label: string;
  /** Rows in all; without it there is no percentage and no ETA. */
  total?: number;
  /** The unit counted, plural: "rows", "items". */
  unit?: string;
  stream: ProgressStream;
  now?: () => number;
  /** On a terminal the line is redrawn at most this often. */
  redrawMs?: number;
  /** Elsewhere (CI logs, files) one line is printed this often. */
  lineEveryMs?: number;
}

/**
 * A progress line with rate and ETA on stderr. On a terminal it redraws itself in place and is
 * erased at the end; in a log it is a plain line every few seconds, so a short run prints nothing.
 */
export class Progress {
  private done = 0;
  private readonly started: number;
  private lastDrawn: number;
  private drawn = false;
  private readonly now: () => number;

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    this.lastDrawn = this.started;
  }

  advance(count: number): void {
    this.done += count;
    const now = this.now();
    const tty = this.options.stream.isTTY === true;
    const every = tty ? (this.options.redrawMs ?? 100) : (this.options.lineEveryMs ?? 5_000);
    if (now - this.lastDrawn < every) return;
    this.lastDrawn = now;
    const line = this.line(now);
    if (tty) this.options.stream.write(`\r\x1b[2K${line}`);
    else this.options.stream.write(`${line}\n`);
    this.drawn = true;
  }

  /** Erases the line on a terminal; the caller prints the summary. */
  finish(): void {
    if (this.drawn && this.options.stream.isTTY === true) this.options.stream.write("\r\x1b[2K");
  }

  /** `importing leads.csv: 45,000 of 100,000 rows (45%), 3,210 rows/s, about 17 s left` */
  line(now = this.now()): string {
    const unit = this.options.unit ?? "rows";
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = this.done / seconds;
    const { total } = this.options;
    const parts = [
      total === undefined
        ? `${count(this.done)} ${unit}`
        : `${count(this.done)} of ${count(total)} ${unit} (${Math.floor((100 * this.done) / Math.max(total, 1))}%)`,
      `${count(Math.round(rate))} ${unit}/s`,
    ];
    if (total !== undefined && rate > 0 && this.done < total)
      parts.push(`about ${duration((total - this.done) / rate)} left`);
    return `${this.options.label}: ${parts.join(", ")}`;
  }
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** `17 s`, `3 min 05 s`, `1 h 02 min` */
export function duration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}
