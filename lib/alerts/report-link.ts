/** Where a check run's burn-up report can be read, for as long as its signed address is valid. */
export interface ReportLink {
  url: string;
  validForHours: number;
}

/** The alert's line linking the report: it says how long the link lasts, since it expires. */
export function reportLinkLine(link: ReportLink): string {
  return `Burn-up report (link valid ${link.validForHours} h): ${link.url}`;
}
