export const BUDGETS: Record<string, number>;
export function gzipSize(file: string): number;
