/** Problems found in a channel file, each pinned to where it is written. */

/** One problem in a channel file, printed as `FILE:LINE:COL: key.path: message`. */
export interface ConfigIssue {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const sorted = sortIssues(issues);
    super(sorted.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = sorted;
  }
}

export function formatIssue(i: ConfigIssue): string {
  return `${i.file}:${i.line}:${i.col}: ${i.path || "(root)"}: ${i.message}`;
}

/** In reading order (line, column), then by key path; exact repeats dropped. */
export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return [...issues]
    .sort((a, b) => a.line - b.line || a.col - b.col || a.path.localeCompare(b.path))
    .filter((i) => {
      const key = formatIssue(i);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
